#include "apps/iris-bench/bandwidth/https_link.h"

#include <zlib.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <stdexcept>

namespace iris::bench {
namespace {

namespace http = boost::beast::http;

// Largest response body the replay takes (a cold start's snapshot is the biggest).
constexpr std::size_t kMaxBody = 64 << 20;

}  // namespace

std::string gunzip(std::string_view in, std::size_t limit) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    const std::size_t at = out.size();
    out.resize(at + 64 * 1024);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + at);
    z.avail_out = 64 * 1024;
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(out.size() - z.avail_out);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      throw std::runtime_error("corrupt gzip body");
    }
    if (out.size() > limit) {
      inflateEnd(&z);
      throw std::runtime_error("gzip body over the limit");
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      throw std::runtime_error("truncated gzip body");
    }
  }
  inflateEnd(&z);
  return out;
}

HttpsLink::HttpsLink(asio::io_context& ctx, asio::ssl::context& tls, asio::ip::tcp::endpoint to,
                     TlsSession* session)
    : ctx_(ctx), tls_(tls), to_(std::move(to)), session_(session) {}

asio::awaitable<HttpsResponse> HttpsLink::get(const std::string& target, const std::string& token,
                                              const std::string& accept) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "iris");
  req.set(http::field::authorization, "Bearer " + token);
  req.set(http::field::accept, accept);
  req.set(http::field::accept_encoding, "gzip");
  // A kept-alive connection the server closed meanwhile fails on first use: then once more
  // on a new connection, as HTTP clients do.
  for (int attempt = 0;; ++attempt) {
    const bool reused = !connections_.empty() && connections_.back()->is_open();
    if (!reused) {
      connections_.push_back(std::make_unique<TlsLink>(ctx_, tls_, session_));
      co_await connections_.back()->connect(to_);
    }
    auto& stream = connections_.back()->stream();
    boost::system::error_code ec;
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    if (!ec) co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      connections_.back()->drop();
      if (reused && attempt == 0) continue;
      throw std::runtime_error("GET " + target + ": " + ec.message());
    }
    auto res = parser.release();
    HttpsResponse out;
    out.status = res.result_int();
    out.content_type = std::string(res[http::field::content_type]);
    out.gzipped = res[http::field::content_encoding] == "gzip";
    out.body = out.gzipped ? gunzip(res.body(), kMaxBody) : std::move(res.body());
    if (!res.keep_alive()) connections_.back()->drop();
    co_return out;
  }
}

void HttpsLink::drop() {
  if (!connections_.empty()) connections_.back()->drop();
}

std::size_t HttpsLink::resumed() const {
  std::size_t n = 0;
  for (const auto& c : connections_) n += c->resumed() ? 1 : 0;
  return n;
}

SocketBytes HttpsLink::bytes() const {
  SocketBytes sum;
  for (const auto& c : connections_) sum += c->bytes();
  return sum;
}

}  // namespace iris::bench
