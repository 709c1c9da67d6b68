#include "apps/iris-bench/bandwidth/tls_link.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>

namespace iris::bench {

TlsSession::~TlsSession() { forget(); }

void TlsSession::offer(SSL* ssl) const {
  if (session_ != nullptr) SSL_set_session(ssl, session_);
}

void TlsSession::keep(SSL* ssl) {
  SSL_SESSION* s = SSL_get1_session(ssl);
  if (s == nullptr) return;
  // A copy: the connection's own session object is shared, and OpenSSL marks it not
  // resumable if that connection later ends in an error.
  SSL_SESSION* copy = SSL_SESSION_is_resumable(s) == 1 ? SSL_SESSION_dup(s) : nullptr;
  SSL_SESSION_free(s);
  if (copy == nullptr) return;
  forget();
  session_ = copy;
}

void TlsSession::forget() {
  if (session_ != nullptr) SSL_SESSION_free(session_);
  session_ = nullptr;
}

TlsLink::TlsLink(asio::io_context& ctx, asio::ssl::context& tls, TlsSession* session)
    : stream_(ctx, tls), session_(session) {}

TlsLink::~TlsLink() { drop(); }

namespace {

// OpenSSL's message callback sees each record header (content type 256, "SSL3_RT_HEADER");
// after the handshake every TLS 1.3 record's outer type is application data (23).
void tally_record(int write_p, int, int content_type, const void* buf, std::size_t len, SSL*,
                  void* arg) {
  if (content_type != SSL3_RT_HEADER || len < 1) return;
  if (static_cast<const unsigned char*>(buf)[0] != SSL3_RT_APPLICATION_DATA) return;
  auto* tally = static_cast<TlsRecords*>(arg);
  ++(write_p ? tally->sent : tally->received);
}

}  // namespace

asio::awaitable<void> TlsLink::connect(const asio::ip::tcp::endpoint& to) {
  auto& socket = stream_.next_layer();
  co_await socket.async_connect(to, asio::use_awaitable);
  socket.set_option(asio::ip::tcp::no_delay(true));
  if (session_ != nullptr) session_->offer(stream_.native_handle());
  co_await stream_.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  resumed_ = SSL_session_reused(stream_.native_handle()) == 1;
  if (tally_ != nullptr) {
    SSL_set_msg_callback_arg(stream_.native_handle(), tally_);
    SSL_set_msg_callback(stream_.native_handle(), tally_record);
  }
  open_ = true;
}

void TlsLink::send(std::span<const std::uint8_t> bytes) {
  if (!open_) return;
  queued_.insert(queued_.end(), bytes.begin(), bytes.end());
  do_write();
}

void TlsLink::do_write() {
  if (writing_ || queued_.empty() || !open_) return;
  std::swap(queued_, in_flight_);
  writing_ = true;
  asio::async_write(stream_, asio::buffer(in_flight_),
                    [this](const boost::system::error_code& ec, std::size_t) {
                      writing_ = false;
                      in_flight_.clear();
                      if (ec) {
                        if (open_) error_ = "write: " + ec.message();
                        drop();
                        return;
                      }
                      do_write();
                    });
}

asio::awaitable<std::size_t> TlsLink::read_some(std::span<std::uint8_t> into) {
  if (!open_) co_return 0;
  boost::system::error_code ec;
  const std::size_t n = co_await stream_.async_read_some(
      asio::buffer(into.data(), into.size()), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    if (open_ && ec != asio::error::operation_aborted) error_ = "read: " + ec.message();
    drop();
    co_return 0;
  }
  co_return n;
}

void TlsLink::drop() {
  auto& socket = stream_.next_layer();
  if (!socket.is_open()) return;
  final_ = socket_bytes(socket.native_handle());
  if (session_ != nullptr && open_) session_->keep(stream_.native_handle());
  open_ = false;
  boost::system::error_code ignored;
  socket.close(ignored);
}

SocketBytes TlsLink::bytes() const {
  const auto& socket = stream_.next_layer();
  if (!socket.is_open()) return final_;
  return socket_bytes(const_cast<asio::ip::tcp::socket&>(socket).native_handle());
}

}  // namespace iris::bench
