#include "net/lmtp_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <array>
#include <charconv>
#include <mutex>

#include "base/log.h"
#include "base/thread_name.h"
#include "net/errc.h"
#include "net/event_loop.h"

namespace iris::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

namespace detail {

// What the server, its connections and the completions of their deliveries share. The
// counters are declared before `io`, so connections destroyed with the io_context's queued
// handlers still find them.
struct LmtpShared : std::enable_shared_from_this<LmtpShared> {
  std::atomic<std::size_t> open{0};
  std::atomic<std::uint64_t> connections{0}, refused_connections{0}, mails{0}, delivered{0}, refused{0};
  std::mutex mutex;
  bool running = true;  // GUARDED_BY(mutex): completions post only while the loop runs
  std::string hostname;
  asio::io_context io;
  tcp::acceptor acceptor{io};

  // Runs `fn` on the LMTP thread, unless the server stopped (then `fn` is dropped).
  void post(std::function<void()> fn) {
    std::lock_guard lock(mutex);
    if (running) asio::post(io, std::move(fn));
  }
};

namespace {

// The most reply bytes waiting for a peer that does not read them; more closes it.
constexpr std::size_t kMaxPendingReplyBytes = 64 * 1024;

class LmtpConnection : public std::enable_shared_from_this<LmtpConnection> {
 public:
  // `shared`, `options` and `delivery` outlive the connection (it lives in `shared.io`'s
  // handlers only).
  LmtpConnection(LmtpShared& shared, tcp::socket socket, const mail::MailOptions& options, MailDelivery& delivery)
      : shared_(shared), socket_(std::move(socket)), timer_(shared.io), options_(options), delivery_(delivery),
        session_(options, shared.hostname) {
    ++shared_.open;
  }
  ~LmtpConnection() { --shared_.open; }

  void start() {
    write(session_.greeting());
    arm_timer();
    do_read();
  }

 private:
  void do_read() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](ErrorCode ec, std::size_t n) {
      if (ec) return self->close();
      self->on_bytes(std::string_view(self->buffer_.data(), n));
      if (!self->closing_) self->do_read();
    });
  }

  void on_bytes(std::string_view bytes) {
    arm_timer();
    if (session_.delivering()) {
      if (!session_.hold(bytes)) {
        write("421 4.3.0 too much input while a delivery runs\r\n");
        closing_ = true;
      }
      return;
    }
    handle(session_.feed(bytes));
  }

  void handle(mail::LmtpSession::Output out) {
    if (!out.reply.empty()) write(out.reply);
    if (out.close) closing_ = true;
    if (out.deliver) {
      ++shared_.mails;
      delivery_.deliver(std::move(*out.deliver),
                        [shared = shared_.shared_from_this(), weak = weak_from_this()](std::vector<mail::RecipientReply> replies) {
                          for (const auto& r : replies) ++(r.starts_with("250") ? shared->delivered : shared->refused);
                          shared->post([weak, replies = std::move(replies)] {
                            if (auto self = weak.lock()) {
                              self->arm_timer();
                              self->handle(self->session_.delivered(replies));
                            }
                          });
                        });
    }
    if (closing_ && !writing_) close();
  }

  void write(std::string_view text) {
    if (pending_.size() + text.size() > kMaxPendingReplyBytes) {
      closing_ = true;
      pending_.clear();
      return close();
    }
    pending_.append(text);
    if (!writing_) do_write();
  }

  void do_write() {
    writing_ = true;
    out_ = std::move(pending_);
    pending_.clear();
    asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this()](ErrorCode ec, std::size_t) {
      self->writing_ = false;
      if (ec) return self->close();
      if (!self->pending_.empty()) return self->do_write();
      if (self->closing_) self->close();
    });
  }

  void arm_timer() {
    timer_.expires_after(options_.idle_timeout);
    timer_.async_wait([weak = weak_from_this()](ErrorCode ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      if (self->session_.delivering()) return self->arm_timer();  // our wait, not the peer's
      self->closing_ = true;
      self->write("421 4.4.2 idle for mail.idle_timeout, closing\r\n");
      if (!self->writing_) self->close();
    });
  }

  void close() {
    closing_ = true;
    ErrorCode ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    timer_.cancel();
  }

  LmtpShared& shared_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  const mail::MailOptions& options_;
  MailDelivery& delivery_;
  mail::LmtpSession session_;
  std::array<char, 64 * 1024> buffer_{};
  std::string pending_, out_;
  bool writing_ = false;
  bool closing_ = false;
};

void do_accept(LmtpShared& shared, const mail::MailOptions& options, MailDelivery& delivery) {
  shared.acceptor.async_accept([&shared, &options, &delivery](ErrorCode ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !shared.acceptor.is_open()) return;
    if (!ec) {
      ++shared.connections;
      if (shared.open.load() >= options.max_connections) {
        ++shared.refused_connections;
        static constexpr std::string_view kBusy = "421 4.3.2 too many connections (mail.max_connections)\r\n";
        ErrorCode wec;
        asio::write(socket, asio::buffer(kBusy), wec);
        socket.close(wec);
      } else {
        std::make_shared<LmtpConnection>(shared, std::move(socket), options, delivery)->start();
      }
    }
    do_accept(shared, options, delivery);
  });
}

}  // namespace
}  // namespace detail

LmtpServer::LmtpServer(const mail::MailOptions& options, MailDelivery& delivery)
    : options_(options), delivery_(delivery), shared_(std::make_shared<detail::LmtpShared>()) {}

LmtpServer::~LmtpServer() { stop(); }

Result<std::uint16_t> LmtpServer::start() {
  const std::string& listen = options_.lmtp_listen;
  const auto colon = listen.rfind(':');
  std::uint16_t port = 0;
  std::string host = colon == std::string::npos ? std::string() : listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const char* digits = colon == std::string::npos ? nullptr : listen.data() + colon + 1;
  ErrorCode ec;
  const auto ip = asio::ip::make_address(host, ec);
  if (colon == std::string::npos || ec ||
      std::from_chars(digits, listen.data() + listen.size(), port).ptr != listen.data() + listen.size()) {
    IRIS_LOG(error, "mail", "mail.lmtp_listen: '{}' is not HOST:PORT with an IP address", listen);
    return fail(errc::listen_failed);
  }
  shared_->hostname = asio::ip::host_name(ec);
  if (ec || shared_->hostname.empty()) shared_->hostname = "iris";
  auto& acceptor = shared_->acceptor;
  const tcp::endpoint endpoint(ip, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    IRIS_LOG(error, "mail", "cannot listen for LMTP on {}: {}", listen, ec.message());
    return fail(errc::listen_failed);
  }
  const std::uint16_t bound = acceptor.local_endpoint().port();
  detail::do_accept(*shared_, options_, delivery_);
  thread_ = std::thread([shared = shared_] {
    name_this_thread("iris-lmtp");
    run_event_loop(shared->io, "lmtp");
  });
  return bound;
}

void LmtpServer::stop() {
  {
    std::lock_guard lock(shared_->mutex);
    if (!shared_->running) return;
    shared_->running = false;
  }
  shared_->io.stop();
  if (thread_.joinable()) thread_.join();
  // The loop has stopped: nothing else touches the acceptor now. The connections close
  // with the io_context's queued handlers, when the last owner of `shared_` lets go.
  ErrorCode ec;
  shared_->acceptor.close(ec);
}

LmtpServer::Metrics LmtpServer::metrics() const {
  return Metrics{shared_->connections.load(), shared_->refused_connections.load(), shared_->mails.load(),
                 shared_->delivered.load(), shared_->refused.load()};
}

}  // namespace iris::net
