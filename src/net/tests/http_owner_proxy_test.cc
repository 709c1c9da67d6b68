#include "net/detail/http_owner_proxy.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "net/errc.h"

namespace iris::net::detail {
namespace {

namespace http = boost::beast::http;
namespace asio = boost::asio;
using namespace std::chrono_literals;

HttpRequest read(const std::string& bytes) {
  HttpOptions options;
  HttpRequestReader r(options);
  EXPECT_EQ(r.feed(bytes), HttpRequestReader::Status::done);
  return r.request();
}

TEST(HttpOwnerProxy, ForwardsOnlyWhatTheOwnerReadsAndMarksTheRequestProxied) {
  const auto req = read(
      "POST /v1/requests?x=1 HTTP/1.1\r\nHost: edge\r\nAuthorization: Bearer tok\r\nAccept: application/json\r\n"
      "Accept-Encoding: gzip\r\nContent-Type: application/json\r\nCookie: c=1\r\nContent-Length: 2\r\n\r\n{}");
  const auto out = forwarded_request(req, "127.0.0.1:8081", "irisd-1");
  EXPECT_EQ(out.method_string(), "POST");
  EXPECT_EQ(out.target(), "/v1/requests?x=1");
  EXPECT_EQ(out[http::field::host], "127.0.0.1:8081");
  EXPECT_EQ(out[http::field::authorization], "Bearer tok");
  EXPECT_EQ(out[http::field::accept], "application/json");
  EXPECT_EQ(out[http::field::content_type], "application/json");
  EXPECT_EQ(out[kProxiedHeader], "irisd-1");
  // The owner answers uncompressed (this server compresses for its caller) and nothing else
  // of the caller's passes.
  EXPECT_EQ(out.find(http::field::accept_encoding), out.end());
  EXPECT_EQ(out.find(http::field::cookie), out.end());
  EXPECT_EQ(out.body(), "{}");
  EXPECT_EQ(out[http::field::content_length], "2");
  EXPECT_FALSE(out.keep_alive());
}

TEST(HttpOwnerProxy, TheOwnersAnswerKeepsStatusTypeBodyAndRetryAfter) {
  http::response<http::string_body> res{http::status::service_unavailable, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::retry_after, "3");
  res.body() = "{\"error\":{}}";
  const Answer a = answer_from_owner(res);
  EXPECT_EQ(a.status, 503u);
  EXPECT_EQ(a.content_type_text, "application/json");
  EXPECT_EQ(a.body, "{\"error\":{}}");
  EXPECT_TRUE(a.retry_after);
  EXPECT_EQ(a.retry_after_s, 3u);
  // A Retry-After that is not a count of seconds is not passed on.
  res.set(http::field::retry_after, "Fri, 31 Dec 1999 23:59:59 GMT");
  EXPECT_FALSE(answer_from_owner(res).retry_after);
}

TEST(HttpOwnerProxy, RedirectUrlIsTheOwnersAddressAndTheTarget) {
  EXPECT_EQ(owner_url("127.0.0.1:8081", "/v1/snapshot?messages=5"), "http://127.0.0.1:8081/v1/snapshot?messages=5");
}

// A one-shot owner on loopback: reads one request, writes `answer`, closes.
struct FakeOwner {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::string seen;
  std::thread thread;

  explicit FakeOwner(std::string answer, bool silent = false) {
    thread = std::thread([this, answer = std::move(answer), silent] {
      asio::ip::tcp::socket s(io);
      acceptor.accept(s);
      asio::streambuf buf;
      boost::system::error_code ec;
      asio::read_until(s, buf, "\r\n\r\n", ec);
      seen.assign(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
      if (silent) {
        std::this_thread::sleep_for(500ms);
        return;
      }
      asio::write(s, asio::buffer(answer), ec);
    });
  }
  ~FakeOwner() { thread.join(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()); }
};

Result<Answer> proxy_once(const std::string& owner, std::size_t max_answer, std::chrono::milliseconds deadline) {
  asio::io_context io;
  std::optional<Result<Answer>> out;
  auto p = std::make_shared<HttpOwnerProxy>(io, max_answer);
  p->start(owner, forwarded_request(read("GET /v1/badge HTTP/1.1\r\nAuthorization: Bearer t\r\n\r\n"), owner, "e"),
           deadline, [&](Result<Answer> a) { out = std::move(a); });
  io.run_for(5s);
  EXPECT_TRUE(out.has_value());
  return out ? std::move(*out) : Result<Answer>(fail(errc::owner_unavailable));
}

TEST(HttpOwnerProxy, BringsTheOwnersAnswerBack) {
  FakeOwner owner("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"badge\":1}");
  auto a = proxy_once(owner.address(), 1024, 2s);
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_EQ(a->status, 200u);
  EXPECT_EQ(a->body, "{\"badge\":1}");
  EXPECT_NE(owner.seen.find("Authorization: Bearer t"), std::string::npos);
  EXPECT_NE(owner.seen.find("X-Iris-Proxied-By: e"), std::string::npos);
}

TEST(HttpOwnerProxy, AnAnswerOverTheLimitIsABadOwnerAnswer) {
  FakeOwner owner("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'x'));
  auto a = proxy_once(owner.address(), 1000, 2s);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error(), make_error_code(errc::bad_owner_answer));
}

TEST(HttpOwnerProxy, AnOwnerSilentPastTheDeadlineOrGoneIsUnavailable) {
  FakeOwner silent("", true);
  auto a = proxy_once(silent.address(), 1000, 100ms);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error(), make_error_code(errc::owner_unavailable));

  std::string closed_port;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor gone{io, {asio::ip::make_address("127.0.0.1"), 0}};
    closed_port = std::to_string(gone.local_endpoint().port());
  }  // nobody listens there now
  auto b = proxy_once("127.0.0.1:" + closed_port, 1000, 1s);
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error(), make_error_code(errc::owner_unavailable));
}

}  // namespace
}  // namespace iris::net::detail
