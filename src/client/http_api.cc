#include "client/http_api.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "base/log.h"
#include "client/errc.h"
#include "wire/codec.h"
#include "wire/json_codec.h"

namespace iris::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::error_code to_error(wire::ErrorCode code) {
  switch (code) {
    case wire::ErrorCode::not_participant: return make_error_code(errc::not_participant);
    case wire::ErrorCode::unknown_thread: return make_error_code(errc::unknown_thread);
    case wire::ErrorCode::rate_limited:
    case wire::ErrorCode::unavailable: return make_error_code(errc::unavailable);
    case wire::ErrorCode::too_large:
    case wire::ErrorCode::bad_encoding:
    case wire::ErrorCode::invalid_request:
    case wire::ErrorCode::queue_full:
    case wire::ErrorCode::forbidden:
    case wire::ErrorCode::too_late:
    case wire::ErrorCode::unknown_message:
    case wire::ErrorCode::not_accepted:
    case wire::ErrorCode::internal: return make_error_code(errc::refused);
  }
  return make_error_code(errc::refused);
}

namespace {

constexpr std::size_t kMaxBody = 64u << 20;

template <typename Stream>
Result<http::response<http::string_body>> exchange(asio::io_context& io, Stream& stream,
                                                   http::request<http::string_body>& req,
                                                   std::chrono::milliseconds timeout) {
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBody);
  beast::error_code ec = asio::error::would_block;
  http::async_write(stream, req, [&](beast::error_code e, std::size_t) {
    if (e) {
      ec = e;
      return;
    }
    http::async_read(stream, buffer, parser, [&](beast::error_code e2, std::size_t) { ec = e2; });
  });
  io.restart();
  io.run_for(timeout);
  if (ec == asio::error::would_block) return fail(errc::timeout);
  if (ec) return fail(errc::unreachable);
  return parser.release();
}

}  // namespace

Result<HttpApi::Answer> HttpApi::roundtrip(const std::string& method, const std::string& target,
                                           const std::string& body, const char* accept,
                                           const char* content_type) const {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(endpoint_.host, std::to_string(endpoint_.port), ec);
  if (ec) return fail(errc::unreachable);

  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, endpoint_.host);
  req.set(http::field::authorization, "Bearer " + token_);
  req.set(http::field::accept, accept);
  if (!body.empty()) req.set(http::field::content_type, content_type);
  req.body() = body;
  req.prepare_payload();

  Result<http::response<http::string_body>> res = fail(errc::unreachable);
  beast::tcp_stream tcp_stream(io);
  tcp_stream.expires_after(timeout_);
  bool connected = false;
  tcp_stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
    ec = e;
    connected = !e;
  });
  io.run_for(timeout_);
  if (!connected) return fail(errc::unreachable);
  if (endpoint_.tls) {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    if (endpoint_.verify) {
      ctx.set_verify_mode(asio::ssl::verify_peer);
      if (endpoint_.ca_file.empty()) ctx.set_default_verify_paths();
      else ctx.load_verify_file(endpoint_.ca_file, ec);
    }
    beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp_stream), ctx);
    // SNI (RFC 6066); SSL_set_tlsext_host_name is a macro with a C cast.
    SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(endpoint_.host.c_str()));
    ec = asio::error::would_block;
    tls.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
    io.restart();
    io.run_for(timeout_);
    if (ec) return fail(errc::unreachable);
    res = exchange(io, tls, req, timeout_);
  } else {
    res = exchange(io, tcp_stream, req, timeout_);
  }
  if (!res) return fail(res.error());
  return Answer{res->result_int(), std::move(res->body())};
}

Result<wire::Message> HttpApi::call(const std::string& method, const std::string& target,
                                    const std::string& body) const {
  auto answer = roundtrip(method, target, body, "application/vnd.iris.thrift-compact");
  if (!answer) return fail(answer.error());
  const unsigned status = answer->status;
  auto decoded = wire::decode<wire::Message>(answer->body, wire::Limits{.max_message_bytes = kMaxBody});
  if (status >= 200 && status < 300) {
    if (!decoded) {
      IRIS_LOG(warn, "client.http", "{} {}: undecodable body: {}", method, target,
               decoded.error().message());
      return fail(errc::protocol);
    }
    return std::move(*decoded);
  }
  if (decoded) {
    if (const auto* e = std::get_if<wire::Error>(&*decoded)) {
      IRIS_LOG(info, "client.http", "{} {}: {} {}", method, target, status, e->text);
      if (status != 401) return fail(to_error(e->code));
    }
  }
  switch (status) {
    case 401:
    case 403: return fail(errc::bad_token);
    case 404: return fail(errc::unknown_thread);
    case 429:
    case 503: return fail(errc::unavailable);
    default: return fail(errc::protocol);
  }
}

Result<std::string> HttpApi::post_form(const std::string& target, const std::string& form, std::string* why) const {
  auto answer = roundtrip("POST", target, form, "application/json", "application/x-www-form-urlencoded");
  if (!answer) return fail(answer.error());
  if (answer->status >= 200 && answer->status < 300) return std::move(answer->body);
  auto decoded = wire::decode_json<wire::Message>(answer->body);
  if (decoded) {
    if (const auto* e = std::get_if<wire::Error>(&*decoded); e && why != nullptr) *why = e->text;
  }
  switch (answer->status) {
    case 401: return fail(errc::bad_token);
    case 429:
    case 503: return fail(errc::unavailable);
    default: return fail(answer->status >= 400 && answer->status < 500 ? errc::refused : errc::protocol);
  }
}

Result<std::string> HttpApi::route_mqtt() const {
  auto answer = roundtrip("GET", "/v1/route", {}, "application/json");
  if (!answer) return fail(answer.error());
  switch (answer->status) {
    case 200: break;
    case 401:
    case 403: return fail(errc::bad_token);
    case 404:
    case 429:
    case 503: return fail(errc::unavailable);
    default: return fail(errc::protocol);
  }
  auto mqtt = json_string_field(answer->body, "mqtt");
  if (!mqtt || mqtt->empty()) return fail(errc::protocol);
  return std::move(*mqtt);
}

std::optional<std::string> json_string_field(std::string_view json, std::string_view key) {
  const auto skip_space = [&](std::size_t i) {
    while (i < json.size() && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' || json[i] == '\r')) ++i;
    return i;
  };
  const std::string quoted = "\"" + std::string(key) + "\"";
  for (std::size_t at = json.find(quoted); at != std::string_view::npos; at = json.find(quoted, at + 1)) {
    std::size_t i = skip_space(at + quoted.size());
    if (i >= json.size() || json[i] != ':') continue;  // a value equal to the key, not the key
    i = skip_space(i + 1);
    if (i >= json.size() || json[i] != '"') return std::nullopt;
    const auto end = json.find('"', i + 1);
    if (end == std::string_view::npos) return std::nullopt;
    const auto value = json.substr(i + 1, end - i - 1);
    if (value.find('\\') != std::string_view::npos) return std::nullopt;
    return std::string(value);
  }
  return std::nullopt;
}

Result<wire::Snapshot> HttpApi::snapshot(std::size_t messages) const {
  auto m = call("GET", fmt::format("/v1/snapshot?messages={}", messages), {});
  if (!m) return fail(m.error());
  if (auto* s = std::get_if<wire::Snapshot>(&*m)) return std::move(*s);
  return fail(errc::protocol);
}

Result<wire::SendResult> HttpApi::create_thread(const wire::CreateThreadRequest& request) const {
  auto m = call("POST", "/v1/threads", wire::encode(wire::Message{request}));
  if (!m) return fail(m.error());
  if (auto* r = std::get_if<wire::SendResult>(&*m)) return std::move(*r);
  if (auto* e = std::get_if<wire::Error>(&*m)) return fail(to_error(e->code));
  return fail(errc::protocol);
}

}  // namespace iris::client
