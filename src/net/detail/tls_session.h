#pragma once
// Server-side TLS session resumption (TLS 1.3 tickets; RFC 8446 section 2.2).
//
// A phone reconnects many times a day. A full TLS 1.3 handshake sends the certificate chain
// and a signature; a resumed one sends neither, which is over half of the handshake's bytes
// (docs/BENCHMARKS.md "bandwidth"). Tickets are stateless: OpenSSL seals the session into the
// ticket with a key held by the process, so the server stores nothing per client; the
// internal session cache, which would hold every session in memory, is off. A restart
// changes the key: every client does one full handshake again. Resumed handshakes still run
// an (EC)DHE exchange (OpenSSL clients offer psk_dhe_ke only), so forward secrecy holds.

#include <boost/asio/ssl/context.hpp>
#include <chrono>

namespace iris::net::detail {

// Issues one ticket per handshake, valid for `lifetime`; 0 turns resumption off.
void enable_session_resumption(boost::asio::ssl::context& tls, std::chrono::seconds lifetime);

}  // namespace iris::net::detail
