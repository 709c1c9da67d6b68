#include "ops/http_get.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace iris::ops {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

Result<std::string> http_get(const std::string& host_port, const std::string& target,
                             std::chrono::milliseconds timeout, std::size_t max_bytes) {
  const std::size_t colon = host_port.rfind(':');
  if (colon == std::string::npos || colon == 0) return fail(std::errc::invalid_argument);
  const std::string host = host_port.substr(0, colon);
  const std::string port = host_port.substr(colon + 1);
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  auto endpoints = asio::ip::tcp::resolver(io).resolve(host, port, ec);
  if (ec) return fail(std::error_code(ec));
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, host_port);
  request.set(http::field::connection, "close");
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_bytes);
  // One deadline for the whole exchange: each step runs asynchronously under the stream's
  // timer, and io.run() returns when the last one completes or the deadline cancels it.
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](beast::error_code e, const asio::ip::tcp::endpoint&) {
    if (e) {
      ec = e;
      return;
    }
    http::async_write(stream, request, [&](beast::error_code e2, std::size_t) {
      if (e2) {
        ec = e2;
        return;
      }
      http::async_read(stream, buffer, parser, [&](beast::error_code e3, std::size_t) { ec = e3; });
    });
  });
  io.run();
  if (ec) return fail(std::error_code(ec));
  auto response = parser.release();
  if (response.result() != http::status::ok) return fail(std::errc::protocol_error);
  return std::move(response.body());
}

}  // namespace iris::ops
