// HTTP API requests forwarded to the owner of their user (net/detail/http_owner_proxy.h,
// docs/CLUSTER.md "HTTP requests").

#include "net/detail/http_owner_proxy.h"

#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "net/detail/relay_upstream.h"
#include "net/errc.h"

namespace iris::net::detail {
namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using ErrorCode = boost::system::error_code;

namespace {

// An owner's answer has a few short fields; more than this is not one of ours.
constexpr std::uint32_t kMaxOwnerHeaderBytes = 8 * 1024;

}  // namespace

HttpRequest forwarded_request(const HttpRequest& req, std::string_view owner_host, std::string_view via) {
  HttpRequest out;
  out.method_string(req.method_string());
  out.target(req.target());
  out.version(11);
  out.set(http::field::host, owner_host);
  for (const auto field : {http::field::authorization, http::field::accept, http::field::content_type}) {
    if (const auto it = req.find(field); it != req.end()) out.set(field, it->value());
  }
  out.set(kProxiedHeader, via);
  out.keep_alive(false);
  // The body as the reader left it: decoded when the caller sent it gzip'd, so it goes
  // without a Content-Encoding.
  out.body() = req.body();
  if (!out.body().empty() || req.method() == http::verb::post) out.prepare_payload();
  return out;
}

Answer answer_from_owner(const http::response<http::string_body>& res) {
  Answer a;
  a.status = res.result_int();
  a.body = res.body();
  a.content_type_text = std::string(res[http::field::content_type]);
  if (a.content_type_text.empty()) a.content_type = "application/octet-stream";
  if (const auto it = res.find(http::field::retry_after); it != res.end()) {
    std::uint32_t seconds = 0;
    bool digits = !it->value().empty() && it->value().size() <= 6;
    for (char c : it->value()) digits = digits && c >= '0' && c <= '9';
    if (digits) {
      for (char c : it->value()) seconds = seconds * 10 + static_cast<std::uint32_t>(c - '0');
      a.retry_after = true;
      a.retry_after_s = seconds;
    }
  }
  a.location = std::string(res[http::field::location]);
  a.content_range = std::string(res[http::field::content_range]);
  return a;
}

std::string owner_url(std::string_view owner_http, std::string_view target) {
  std::string url = "http://";
  url += owner_http;
  url += target;
  return url;
}

HttpOwnerProxy::HttpOwnerProxy(asio::io_context& io, std::size_t max_answer_bytes) : stream_(io) {
  parser_.emplace();
  parser_->header_limit(kMaxOwnerHeaderBytes);
  parser_->body_limit(max_answer_bytes);
}

void HttpOwnerProxy::start(const std::string& owner, HttpRequest req, std::chrono::milliseconds deadline,
                           Done done) {
  owner_ = owner;
  done_ = std::move(done);
  req_ = std::move(req);
  const auto endpoint = parse_endpoint(owner);
  if (!endpoint) {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->finish(fail(errc::owner_unavailable)); });
    return;
  }
  stream_.expires_after(deadline);
  stream_.async_connect(*endpoint, [self = shared_from_this()](ErrorCode ec) {
    if (!self->done_) return;
    if (ec) return self->finish(fail(errc::owner_unavailable));
    http::async_write(self->stream_, self->req_, [self](ErrorCode wrote, std::size_t) {
      if (!self->done_) return;
      if (wrote) return self->finish(fail(errc::owner_unavailable));
      http::async_read(self->stream_, self->buffer_, *self->parser_, [self](ErrorCode read, std::size_t) {
        if (!self->done_) return;
        // Too large or not HTTP: the owner's bug, or not an owner. A closed or timed out
        // connection is a dead or stuck owner, which the ring is about to replace.
        if (read && read.category() == make_error_code(http::error::bad_target).category() &&
            read != http::error::end_of_stream && read != http::error::partial_message) {
          return self->finish(fail(errc::bad_owner_answer));
        }
        if (read) return self->finish(fail(errc::owner_unavailable));
        self->finish(answer_from_owner(self->parser_->get()));
      });
    });
  });
}

void HttpOwnerProxy::cancel() {
  done_ = {};
  ErrorCode ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

void HttpOwnerProxy::finish(Result<Answer> outcome) {
  auto done = std::exchange(done_, {});
  ErrorCode ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  if (done) done(std::move(outcome));
}

}  // namespace iris::net::detail
