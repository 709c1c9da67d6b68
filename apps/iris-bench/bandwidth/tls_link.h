#pragma once
// TlsLink: one TLS-over-TCP client connection of the bandwidth replay, with the byte
// counters of its socket (socket_bytes.h). MqttLink and HttpsLink are built on it.
//
// Threading: one io_context, one thread (the replay's); the link must outlive the
// coroutines that use it. Writes are queued: any number of send() calls may be made while a
// write is in flight, and they leave in order.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "apps/iris-bench/bandwidth/socket_bytes.h"

namespace iris::bench {

namespace asio = boost::asio;

// One device's TLS session, kept across its connections so that a reconnect resumes it (a
// TLS 1.3 ticket: no certificate, no signature) as phone TLS stacks do. Both of a device's
// links (MQTT and HTTPS) share it: irisd seals tickets with one key for every listener.
class TlsSession {
 public:
  TlsSession() = default;
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;
  ~TlsSession();

  // Before the handshake: offers the kept session, if any.
  void offer(SSL* ssl) const;
  // After use (TLS 1.3 tickets arrive after the handshake, so at the end of a connection):
  // keeps the connection's session when the server issued a resumable one.
  void keep(SSL* ssl);
  void forget();

 private:
  SSL_SESSION* session_ = nullptr;
};

// TLS records a set of connections carried after their handshakes, each direction (TLS 1.3
// session tickets included): each costs 22 bytes of framing (5 header, 1 inner type, 16 tag).
struct TlsRecords {
  std::uint64_t sent = 0, received = 0;
};

class TlsLink {
 public:
  // `ctx` and `tls` must outlive the link, and so must `session` when given.
  TlsLink(asio::io_context& ctx, asio::ssl::context& tls, TlsSession* session = nullptr);
  TlsLink(const TlsLink&) = delete;
  TlsLink& operator=(const TlsLink&) = delete;
  ~TlsLink();

  // TCP connect (TCP_NODELAY) and TLS handshake. Throws on failure.
  asio::awaitable<void> connect(const asio::ip::tcp::endpoint& to);
  // Queues `bytes` for writing.
  void send(std::span<const std::uint8_t> bytes);
  // Reads some bytes (at least one); 0 when the peer closed or the link failed.
  asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> into);
  // Ends the connection at once, as a phone losing its network does: no TLS close_notify,
  // no protocol goodbye. The counters are kept.
  void drop();

  asio::any_io_executor executor() { return stream_.get_executor(); }
  // For a protocol library that drives the stream itself (Beast): then send() and
  // read_some() must not be used.
  asio::ssl::stream<asio::ip::tcp::socket>& stream() { return stream_; }
  bool is_open() const { return open_; }
  const std::string& error() const { return error_; }
  // Everything this connection carried so far (TLS handshake included).
  SocketBytes bytes() const;
  // Whether the handshake resumed a session (valid once connect() returned).
  bool resumed() const { return resumed_; }
  // Before connect(): from the end of the handshake on, every record this link sends or
  // receives is added to `*tally` (which must outlive the link).
  void count_records(TlsRecords* tally) { tally_ = tally; }

 private:
  void do_write();

  asio::ssl::stream<asio::ip::tcp::socket> stream_;
  TlsSession* session_;
  TlsRecords* tally_ = nullptr;
  bool open_ = false;
  bool resumed_ = false;
  bool writing_ = false;
  std::vector<std::uint8_t> queued_;
  std::vector<std::uint8_t> in_flight_;
  std::string error_;
  SocketBytes final_;  // the counters at drop()
};

}  // namespace iris::bench
