#pragma once
// Server-side TLS session resumption (TLS 1.3 tickets; RFC 8446 section 2.2).
//
// A phone reconnects many times a day. A full TLS 1.3 handshake sends the certificate chain
// and a signature; a resumed one sends neither, which is over half of the handshake's bytes
// (docs/BENCHMARKS.md "bandwidth"). Two ways to remember a session:
//  - stateful (a session cache of `cache_size` entries): the server keeps each session in
//    memory and the ticket is only its 32-byte id, so a resumed handshake is ~350 bytes
//    smaller (the ~230-byte sealed session travels neither in the ticket nor back in the
//    ClientHello). Iris sends each user's devices to one server, so a cache in the process
//    finds them. The least recently used sessions leave a full cache.
//  - stateless (cache_size 0): OpenSSL seals the session into the ticket with a key held by
//    the process, and the server stores nothing per client.
// Either way a restart forgets: every client does one full handshake again. Resumed
// handshakes still run an (EC)DHE exchange (OpenSSL clients offer psk_dhe_ke only), so
// forward secrecy holds.

#include <boost/asio/ssl/context.hpp>  // and OpenSSL's SSL
#include <chrono>
#include <cstddef>

namespace iris::net::detail {

// Issues one ticket per handshake, valid for `lifetime` (0 turns resumption off): stateful
// with a cache of `cache_size` sessions, stateless when it is 0.
void enable_session_resumption(boost::asio::ssl::context& tls, std::chrono::seconds lifetime,
                               std::size_t cache_size);

// Call before closing a TLS connection that did not end in a TLS error: OpenSSL drops a cached
// session whose connection was closed without a close_notify, and a phone's connection
// usually ends that way (cut, or closed after MQTT's DISCONNECT). A connection that failed at
// the TLS layer has already lost its session (OpenSSL drops it on a fatal alert).
void keep_session_on_close(SSL* ssl);

}  // namespace iris::net::detail
