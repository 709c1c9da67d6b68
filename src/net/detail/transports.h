#pragma once
// The three byte streams a Connection runs over, each with the same small interface:
//   async_handshake(h(ec))   TLS handshake / WebSocket upgrade; nothing for plain TCP
//   async_read(shard, h(ec, span))   some bytes; the span is valid during h only
//   async_write(buffers, h(ec, n))   all of them (WebSocket: as one binary message)
//   shutdown_send()          no more writes (TCP FIN); reads go on until the peer closes
//   close()                  release the socket now
//   log_name()               "tcp" / "tls" / "ws" for log lines
// TCP can also release() its descriptor, so the connection can move to another shard.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/detail/shard.h"
#include "net/detail/tls_session.h"
#include "net/http_request_reader.h"
#include "net/ws_upgrade.h"

namespace iris::net::detail {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using Buffers = std::vector<asio::const_buffer>;

// Plain TCP. Idle connections hold no read buffer: a read waits for readiness, then a
// non-blocking read takes what is there into the shard's shared buffer, which is used only
// during the handler.
//
// Syscalls per wake-up (the send path is bound by them): when the previous read left the
// socket empty (it returned less than the buffer), the next read is a plain readiness wait
// (async_wait: no speculative recvfrom that would only say EAGAIN) and then one recvfrom
// into the big buffer. This relies on the caller starting the next read from inside the
// handler of the previous one, as Connection does: epoll is edge-triggered, and data that
// arrived after the short read raises a new edge that the reactor can only see at its next
// epoll_wait, which on the shard's one thread comes after the handler has registered the
// wait. Otherwise (first read, or the buffer was filled so more may be queued), a one-byte
// read that the reactor may try at once, then a non-blocking read of the rest.
class TcpTransport {
 public:
  static constexpr bool kCanMigrate = true;
  explicit TcpTransport(tcp::socket socket) : socket_(std::move(socket)) {
    ErrorCode ec;
    socket_.set_option(tcp::no_delay(true), ec);  // MQTT packets are small and latency-bound
    socket_.non_blocking(true, ec);
  }
  static const char* log_name() { return "tcp"; }

  template <class Handler>
  void async_handshake(const NetOptions&, Handler&& h) {
    h(ErrorCode());
  }

  // Requires, for the wait path: called from inside the previous read's handler (see above).
  template <class Handler>
  void async_read(Shard& shard, Handler&& h) {
    if (drained_) {
      drained_ = false;
      socket_.async_wait(tcp::socket::wait_read,
                         [this, &shard, h = std::forward<Handler>(h)](ErrorCode ec) mutable {
                           if (ec) return h(ec, std::span<const std::uint8_t>());
                           auto buf = shard.read_buffer();
                           ErrorCode read_ec;
                           const std::size_t n = socket_.read_some(asio::buffer(buf.data(), buf.size()), read_ec);
                           if (read_ec == asio::error::would_block) {
                             drained_ = true;  // a wake-up without data: wait again
                             return async_read(shard, std::move(h));
                           }
                           if (read_ec) return h(read_ec, std::span<const std::uint8_t>());
                           drained_ = n < buf.size();
                           h(ErrorCode(), std::span<const std::uint8_t>(buf.data(), n));
                         });
      return;
    }
    socket_.async_read_some(
        asio::buffer(&first_byte_, 1),
        [this, &shard, h = std::forward<Handler>(h)](ErrorCode ec, std::size_t) mutable {
          if (ec) return h(ec, std::span<const std::uint8_t>());
          auto buf = shard.read_buffer();
          buf[0] = first_byte_;
          ErrorCode more_ec;
          const std::size_t more = socket_.read_some(asio::buffer(buf.data() + 1, buf.size() - 1), more_ec);
          // Drained: a short read, or none at all. An error here (EOF, reset) shows up again
          // on the next read; deliver what we have.
          drained_ = more_ec == asio::error::would_block || (!more_ec && more < buf.size() - 1);
          h(ErrorCode(), std::span<const std::uint8_t>(buf.data(), 1 + (more_ec ? 0 : more)));
        });
  }

  template <class Handler>
  void async_write(const Buffers& buffers, Handler&& h) {
    asio::async_write(socket_, buffers, std::forward<Handler>(h));
  }

  void shutdown_send() {
    ErrorCode ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
  }
  void close() {
    ErrorCode ec;
    socket_.close(ec);
  }
  std::string peer() const {
    ErrorCode ec;
    const auto ep = socket_.remote_endpoint(ec);
    return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  // Detaches the descriptor (cancelling nothing: the caller has no operation pending).
  tcp protocol() const {
    ErrorCode ec;
    const auto ep = socket_.local_endpoint(ec);
    return ec ? tcp::v4() : ep.protocol();
  }
  int release() {
    ErrorCode ec;
    return socket_.release(ec);
  }

 private:
  tcp::socket socket_;
  std::uint8_t first_byte_ = 0;
  bool drained_ = false;  // the last read left the socket empty
};

// Reads of TLS and WebSocket streams go through their own buffering, so these keep a small
// buffer per connection (allocated after the handshake).
constexpr std::size_t kStreamReadBuffer = 4096;

class TlsTransport {
 public:
  static constexpr bool kCanMigrate = false;
  // ctx must outlive the transport (ServerCore owns it).
  TlsTransport(tcp::socket socket, asio::ssl::context& ctx)
      : stream_(beast::tcp_stream(std::move(socket)), ctx) {
    ErrorCode ec;
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true), ec);
  }
  static const char* log_name() { return "tls"; }

  template <class Handler>
  void async_handshake(const NetOptions& net, Handler&& h) {
    beast::get_lowest_layer(stream_).expires_after(net.handshake_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [this, h = std::forward<Handler>(h)](ErrorCode ec) mutable {
                              beast::get_lowest_layer(stream_).expires_never();
                              if (!ec) buffer_.resize(kStreamReadBuffer);
                              h(ec);
                            });
  }

  template <class Handler>
  void async_read(Shard&, Handler&& h) {
    stream_.async_read_some(asio::buffer(buffer_),
                            [this, h = std::forward<Handler>(h)](ErrorCode ec, std::size_t n) mutable {
                              h(ec, std::span<const std::uint8_t>(buffer_.data(), ec ? 0 : n));
                            });
  }

  // One TLS record per write, not per packet: Asio's SSL stream encrypts a buffer sequence
  // one buffer at a time, so a gather of N packets would cost N record headers and tags
  // (22 bytes each with AES-GCM) and N socket writes. Copying is cheaper than either.
  template <class Handler>
  void async_write(const Buffers& buffers, Handler&& h) {
    if (buffers.size() == 1) return asio::async_write(stream_, buffers, std::forward<Handler>(h));
    flat_.clear();
    for (const auto& b : buffers) {
      const auto* p = static_cast<const std::uint8_t*>(b.data());
      flat_.insert(flat_.end(), p, p + b.size());
    }
    asio::async_write(stream_, asio::buffer(flat_),
                      [this, h = std::forward<Handler>(h)](ErrorCode ec, std::size_t n) mutable {
                        // Idle connections keep no large buffer (resident bytes per connection).
                        if (flat_.capacity() > kStreamReadBuffer) flat_ = {};
                        h(ec, n);
                      });
  }

  // No TLS close_notify: MQTT ends with its own DISCONNECT, and waiting for the peer's
  // close_notify would let a silent client hold the connection.
  void shutdown_send() {
    ErrorCode ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
  }
  void close() {
    ErrorCode ec;
    keep_session_on_close(stream_.native_handle());
    beast::get_lowest_layer(stream_).socket().close(ec);
  }
  std::string peer() const {
    ErrorCode ec;
    const auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  tcp protocol() const { return tcp::v4(); }
  int release() { return -1; }

 private:
  asio::ssl::stream<beast::tcp_stream> stream_;
  std::vector<std::uint8_t> buffer_;
  std::vector<std::uint8_t> flat_;  // a multi-packet write, copied into one record
};

// MQTT over WebSocket (MQTT 5.0 §6): binary frames, subprotocol "mqtt" (also "mqttv3.1",
// which old clients ask for). A frame may hold any part of a packet stream, so frames are
// fed to the broker as plain bytes.
class WsTransport {
 public:
  static constexpr bool kCanMigrate = false;
  explicit WsTransport(tcp::socket socket) : ws_(beast::tcp_stream(std::move(socket))) {
    ErrorCode ec;
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);
  }
  static const char* log_name() { return "ws"; }

  // The upgrade request is read with the HTTP API's reader and limits (http.max_header_bytes,
  // max_body_bytes, max_trailer_bytes, max_chunk_extension_bytes); a request it refuses, or
  // one that is not an upgrade, gets its HTTP status (net/ws_upgrade.h) and the connection
  // ends. The reader is freed once the upgrade is done: idle connections keep no buffer.
  template <class Handler>
  void async_handshake(const NetOptions& net, Handler&& h) {
    upgrade_ = std::make_unique<HttpRequestReader>(net.http);
    beast::get_lowest_layer(ws_).expires_after(net.handshake_timeout);
    read_upgrade(net.handshake_timeout, std::forward<Handler>(h));
  }

  template <class Handler>
  void async_read(Shard&, Handler&& h) {
    ws_.async_read_some(asio::buffer(buffer_),
                        [this, h = std::forward<Handler>(h)](ErrorCode ec, std::size_t n) mutable {
                          h(ec, std::span<const std::uint8_t>(buffer_.data(), ec ? 0 : n));
                        });
  }

  template <class Handler>
  void async_write(const Buffers& buffers, Handler&& h) {
    ws_.async_write(buffers, std::forward<Handler>(h));
  }

  void shutdown_send() {
    ErrorCode ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_send, ec);
  }
  void close() {
    ErrorCode ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }
  std::string peer() const {
    ErrorCode ec;
    const auto ep = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
    return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  tcp protocol() const { return tcp::v4(); }
  int release() { return -1; }

 private:
  template <class Handler>
  void read_upgrade(std::chrono::seconds timeout, Handler&& h) {
    beast::get_lowest_layer(ws_).async_read_some(
        upgrade_->prepare(), [this, timeout, h = std::forward<Handler>(h)](ErrorCode ec, std::size_t n) mutable {
          if (ec) return h(ec);
          switch (upgrade_->commit(n)) {
            case HttpRequestReader::Status::need_more: return read_upgrade(timeout, std::move(h));
            case HttpRequestReader::Status::refused: return refuse(upgrade_->refusal(), std::move(h));
            case HttpRequestReader::Status::closed: return h(ErrorCode(asio::error::eof));
            case HttpRequestReader::Status::done: break;
          }
          auto chosen = ws_subprotocol(upgrade_->request());
          if (!chosen) return refuse(chosen.error(), std::move(h));
          ws_.set_option(websocket::stream_base::decorator(
              [chosen = *chosen](websocket::response_type& res) {
                if (!chosen.empty()) res.set(beast::http::field::sec_websocket_protocol, chosen);
              }));
          // MQTT keep-alive decides liveness; the WebSocket layer only bounds the handshake.
          websocket::stream_base::timeout t{};
          t.handshake_timeout = timeout;
          t.idle_timeout = websocket::stream_base::none();
          t.keep_alive_pings = false;
          beast::get_lowest_layer(ws_).expires_never();
          ws_.set_option(t);
          ws_.binary(true);
          ws_.async_accept(upgrade_->request(), [this, h = std::move(h)](ErrorCode aec) mutable {
            upgrade_.reset();
            if (!aec) buffer_.resize(kStreamReadBuffer);
            h(aec);
          });
        });
  }

  // Answers a refused upgrade request, then sends FIN and reads what the client still sends
  // (the rest of an oversize request) until it closes or kRefusalLinger passes, so the close
  // does not become a reset that destroys the answer before the client reads it.
  template <class Handler>
  void refuse(std::error_code why, Handler&& h) {
    refusal_ = ws_refusal(why);
    auto& lowest = beast::get_lowest_layer(ws_);
    lowest.expires_after(kRefusalLinger);
    asio::async_write(lowest, asio::buffer(refusal_),
                      [this, why, h = std::forward<Handler>(h)](ErrorCode ec, std::size_t) mutable {
                        if (ec) return h(ec);
                        shutdown_send();
                        drain(why, std::move(h));
                      });
  }

  template <class Handler>
  void drain(std::error_code why, Handler&& h) {
    beast::get_lowest_layer(ws_).async_read_some(
        upgrade_->prepare(), [this, why, h = std::forward<Handler>(h)](ErrorCode ec, std::size_t) mutable {
          if (ec) return h(ErrorCode(why));
          drain(why, std::move(h));
        });
  }

  static constexpr std::chrono::seconds kRefusalLinger{2};
  std::unique_ptr<HttpRequestReader> upgrade_;  // during the upgrade only
  std::string refusal_;                         // the refusal being written
  websocket::stream<beast::tcp_stream> ws_;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace iris::net::detail
