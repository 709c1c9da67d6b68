#pragma once
// HTTP API requests of a user another server of the cell owns (docs/CLUSTER.md "HTTP
// requests"): the session (net/http_session.cc) either answers 307 with the owner's URL or
// hands the request to an HttpOwnerProxy, which forwards it to the owner's HTTP port and
// brings the owner's answer back as an Answer. The owner checks the bearer token again and
// serves the request as its own; a request that already passed one server
// (kProxiedHeader) is never forwarded again, so two servers whose rings disagree for a moment
// cannot bounce a request between them.
//
// Bounded: the forwarded body is what the reader already admitted (http.max_body_bytes);
// the owner's answer is read with a size cap; one deadline covers connect, write and read;
// how many requests are in flight across the server is the session's check
// (HttpToOwnerOptions). Lives on its session's shard thread.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "base/result.h"
#include "net/detail/http_answer.h"
#include "net/http_request_reader.h"

namespace iris::net::detail {

// Set on a request one server forwards to another (its value: the forwarding server's
// address, for logs). A server receiving it answers for itself or says 503, never forwards.
inline constexpr std::string_view kProxiedHeader = "X-Iris-Proxied-By";

// The request forwarded to the owner: method, target and body of `req`, and only the headers
// that the owner reads (Authorization, Accept, Content-Type); no Accept-Encoding, so the owner
// answers uncompressed and this server compresses for its caller as for any answer.
HttpRequest forwarded_request(const HttpRequest& req, std::string_view owner_host, std::string_view via);

// The caller's answer from the owner's response: status, body, Content-Type, Retry-After,
// Location and Content-Range carried over.
Answer answer_from_owner(const boost::beast::http::response<boost::beast::http::string_body>& res);

// The 307's Location: the owner's HTTP address and the request's target.
std::string owner_url(std::string_view owner_http, std::string_view target);

class HttpOwnerProxy : public std::enable_shared_from_this<HttpOwnerProxy> {
 public:
  // The owner's answer, or errc::owner_unavailable (unreachable, closed, past the deadline)
  // or errc::bad_owner_answer (too large, not HTTP).
  using Done = std::function<void(Result<Answer>)>;

  HttpOwnerProxy(boost::asio::io_context& io, std::size_t max_answer_bytes);

  // Forwards `req` to `owner` ("ip:port") with `deadline` for the whole exchange; `done`
  // runs once on this thread, never after cancel().
  void start(const std::string& owner, HttpRequest req, std::chrono::milliseconds deadline, Done done);
  // The caller is gone: the connection to the owner closes, `done` never runs.
  void cancel();

 private:
  void finish(Result<Answer> outcome);

  boost::beast::tcp_stream stream_;
  HttpRequest req_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  std::string owner_;
  Done done_;
};

}  // namespace iris::net::detail
