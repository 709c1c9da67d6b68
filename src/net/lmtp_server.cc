#include "net/lmtp_server.h"

#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <array>

#include "base/log.h"

namespace iris::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

namespace detail {

// What the server, its connections and the completions of their deliveries share (the loop
// is ChannelListener's). A connection destroyed with the io_context's queued handlers touches
// only `open`, through its ChannelLoop&: a member of the base like `io`, declared before it,
// so it outlives them (this derived part is gone by then).
struct LmtpShared : ChannelLoop {
  std::atomic<std::uint64_t> connections{0}, refused_connections{0}, mails{0}, delivered{0}, refused{0};
  std::string hostname;
  std::shared_ptr<LmtpShared> self() { return std::static_pointer_cast<LmtpShared>(shared_from_this()); }
};

namespace {

// The most reply bytes waiting for a peer that does not read them; more closes it.
constexpr std::size_t kMaxPendingReplyBytes = 64 * 1024;

class LmtpConnection : public std::enable_shared_from_this<LmtpConnection> {
 public:
  // `shared`, `options` and `delivery` outlive the connection (it lives in `shared.io`'s
  // handlers only).
  LmtpConnection(LmtpShared& shared, tcp::socket socket, const mail::MailOptions& options, MailDelivery& delivery)
      : shared_(shared), loop_(shared), socket_(std::move(socket)), timer_(shared.io), options_(options),
        delivery_(delivery),
        session_(options, shared.hostname) {
    ++loop_.open;
  }
  ~LmtpConnection() { --loop_.open; }

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
                        [shared = shared_.self(), weak = weak_from_this()](std::vector<mail::RecipientReply> replies) {
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
  // The base, through which the destructor counts itself out: a connection destroyed with the
  // io_context's queued handlers runs after LmtpShared's own part is gone, not the loop's.
  ChannelLoop& loop_;
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

}  // namespace
}  // namespace detail

LmtpServer::LmtpServer(const mail::MailOptions& options, MailDelivery& delivery)
    : options_(options),
      delivery_(delivery),
      shared_(std::make_shared<detail::LmtpShared>()),
      listener_(shared_, "mail.lmtp_listen", "iris-lmtp") {}

LmtpServer::~LmtpServer() { stop(); }

Result<std::uint16_t> LmtpServer::start() {
  ErrorCode ec;
  shared_->hostname = asio::ip::host_name(ec);
  if (ec || shared_->hostname.empty()) shared_->hostname = "iris";
  return listener_.start(options_.lmtp_listen, options_.max_connections, [this](tcp::socket socket, bool over) {
    ++shared_->connections;
    if (!over) {
      std::make_shared<detail::LmtpConnection>(*shared_, std::move(socket), options_, delivery_)->start();
      return;
    }
    ++shared_->refused_connections;
    static constexpr std::string_view kBusy = "421 4.3.2 too many connections (mail.max_connections)\r\n";
    ErrorCode wec;
    asio::write(socket, asio::buffer(kBusy), wec);
    socket.close(wec);
  });
}

void LmtpServer::stop() { listener_.stop(); }

LmtpServer::Metrics LmtpServer::metrics() const {
  return Metrics{shared_->connections.load(), shared_->refused_connections.load(), shared_->mails.load(),
                 shared_->delivered.load(), shared_->refused.load()};
}

}  // namespace iris::net
