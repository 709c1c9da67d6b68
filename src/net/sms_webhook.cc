#include "net/sms_webhook.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <functional>

#include "base/log.h"

namespace iris::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

namespace detail {

// The loop is ChannelListener's; a connection destroyed with the io_context's queued
// handlers touches only `open`, which outlives them (ChannelLoop).
struct SmsShared : ChannelLoop {
  std::atomic<std::uint64_t> requests{0}, delivered{0}, bad_signature{0}, refused{0};
  std::shared_ptr<SmsShared> self() { return std::static_pointer_cast<SmsShared>(shared_from_this()); }
};

namespace {

constexpr std::string_view kPath = "/v1/sms/inbound";
constexpr std::size_t kMaxHeaderBytes = 8 * 1024;

class SmsConnection : public std::enable_shared_from_this<SmsConnection> {
 public:
  SmsConnection(SmsShared& shared, tcp::socket socket, const sms::SmsOptions& options, SmsDelivery& delivery)
      : shared_(shared), loop_(shared), stream_(std::move(socket)), options_(options), delivery_(delivery) {
    ++loop_.open;
  }
  ~SmsConnection() { --loop_.open; }

  void start() {
    parser_.header_limit(kMaxHeaderBytes);
    parser_.body_limit(options_.max_request_bytes);
    stream_.expires_after(options_.idle_timeout);
    http::async_read(stream_, buffer_, parser_, [self = shared_from_this()](ErrorCode ec, std::size_t) {
      if (ec == http::error::body_limit) return self->answer(413, "body over sms.max_request_bytes");
      if (ec) return self->close();
      self->handle();
    });
  }

 private:
  void handle() {
    ++shared_.requests;
    const auto& req = parser_.get();
    const std::string_view target(req.target().data(), req.target().size());
    if (target.substr(0, target.find('?')) != kPath) return answer(404, "no such route");
    if (req.method() != http::verb::post) return answer(405, "POST only");
    auto form = sms::parse_form(req.body(), options_.max_fields);
    if (!form) return answer(400, "not a form of at most sms.max_fields fields");
    std::string url = options_.webhook_url;
    if (url.empty()) {
      const auto host = req[http::field::host];
      url = "http://" + std::string(host.data(), host.size()) + std::string(target);
    }
    const auto sig = req["X-Twilio-Signature"];
    if (!sms::signature_ok(options_.auth_token, url, *form, std::string_view(sig.data(), sig.size()))) {
      ++shared_.bad_signature;
      IRIS_LOG(warn, "sms.in", "webhook request with a bad or missing signature refused (403)");
      return answer(403, "bad signature");
    }
    auto in = sms::inbound(*form, options_.max_request_bytes);
    if (!in) return answer(400, "From, To, Body and MessageSid expected");
    // The completion holds the connection: no read is pending while the delivery runs. Once
    // the server stopped, post() drops it and the connection closes without an answer.
    delivery_.deliver(std::move(*in), [shared = shared_.self(), self = shared_from_this()](unsigned status) {
      ++(status == 200 ? shared->delivered : shared->refused);
      shared->post([self, status] { self->answer(status, ""); });
    });
  }

  void answer(unsigned status, std::string_view why) {
    response_.version(11);
    response_.result(status);
    response_.keep_alive(false);
    if (status == 200) {
      response_.set(http::field::content_type, "text/xml");
      response_.body() = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";
    } else {
      response_.set(http::field::content_type, "text/plain");
      response_.body() = std::string(why.empty() ? "refused" : why) + "\n";
    }
    response_.prepare_payload();
    stream_.expires_after(options_.idle_timeout);
    http::async_write(stream_, response_, [self = shared_from_this()](ErrorCode, std::size_t) { self->close(); });
  }

  void close() {
    ErrorCode ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  SmsShared& shared_;
  ChannelLoop& loop_;  // counts the connection out (see LmtpConnection::loop_)
  beast::tcp_stream stream_;
  const sms::SmsOptions& options_;
  SmsDelivery& delivery_;
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> response_;
};

}  // namespace
}  // namespace detail

SmsWebhook::SmsWebhook(const sms::SmsOptions& options, SmsDelivery& delivery)
    : options_(options),
      delivery_(delivery),
      shared_(std::make_shared<detail::SmsShared>()),
      listener_(shared_, "sms.listen", "iris-sms-in") {}

SmsWebhook::~SmsWebhook() { stop(); }

Result<std::uint16_t> SmsWebhook::start() {
  return listener_.start(options_.listen, options_.max_connections, [this](tcp::socket socket, bool over) {
    if (over) {
      ErrorCode ec;
      socket.close(ec);
      return;
    }
    std::make_shared<detail::SmsConnection>(*shared_, std::move(socket), options_, delivery_)->start();
  });
}

void SmsWebhook::stop() { listener_.stop(); }

SmsWebhook::Metrics SmsWebhook::metrics() const {
  return Metrics{shared_->requests.load(), shared_->delivered.load(), shared_->bad_signature.load(),
                 shared_->refused.load()};
}

}  // namespace iris::net
