#include "net/sms_post.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace iris::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// The provider's answer is read only for its status; its body is bounded all the same.
constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

// One POST, every step within `timeout` in all: the answer's status, or nullopt (no answer).
std::optional<unsigned> post_form(const sms::HttpUrl& url, const std::string& authorization, std::string body,
                                  std::chrono::milliseconds timeout, std::string& why) {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::content_type, "application/x-www-form-urlencoded");
  req.set(http::field::accept, "application/json");
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  req.keep_alive(false);
  req.body() = std::move(body);
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  std::optional<unsigned> status;
  ErrorCode ec;
  const auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) {
    why = "cannot resolve " + url.host + ": " + ec.message();
    return std::nullopt;
  }
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](ErrorCode e, const tcp::endpoint&) {
    if (e) {
      why = "connect: " + e.message();
      return;
    }
    http::async_write(stream, req, [&](ErrorCode e2, std::size_t) {
      if (e2) {
        why = "write: " + e2.message();
        return;
      }
      http::async_read(stream, buffer, parser, [&](ErrorCode e3, std::size_t) {
        if (e3 && e3 != http::error::body_limit) {
          why = "read: " + e3.message();
          return;
        }
        status = parser.get().result_int();
      });
    });
  });
  io.run();
  return status;
}

}  // namespace

std::optional<unsigned> post_sms(const sms::SmsOptions& options, const sms::HttpUrl& url, std::string_view to,
                                 std::string_view from, std::string_view text, std::string& why) {
  const std::string auth =
      options.provider_user.empty() ? std::string() : sms::basic_auth(options.provider_user, options.provider_password);
  return post_form(url, auth, sms::encode_form(sms::outgoing_form(to, from, text)), options.out_timeout, why);
}

}  // namespace iris::net
