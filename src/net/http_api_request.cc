#include "net/http_api_request.h"

#include <cctype>

#include "net/gzip.h"
#include "wire/codec.h"
#include "wire/json_codec.h"

namespace iris::net {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kCompactType = "application/vnd.iris.thrift-compact";
constexpr std::string_view kJsonType = "application/json";

// `Authorization: Bearer <device token>`: the token's user (any of its devices may call the
// API), and its device in `device`.
Result<core::UserId> bearer_user(const HttpRequest& req, const TokenSigner* signer,
                                 std::chrono::sys_seconds now, std::string& device) {
  const std::string_view header = req[http::field::authorization];
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return fail(errc::missing_token);
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return fail(errc::missing_token);
  }
  if (signer == nullptr) return fail(errc::bad_token);
  auto claims = signer->verify(header.substr(kScheme.size()), now);
  if (!claims) return fail(claims.error());
  const auto id = core::parse_id(claims->user);
  if (!id) return fail(errc::bad_token);
  device = std::move(claims->device);
  return core::UserId{*id};
}

// POST /v1/threads: the body is an Envelope in its Content-Type (compact when none is named).
Result<wire::Message> decode_body(const HttpRequest& req) {
  const std::string_view type = req[http::field::content_type];
  if (type.starts_with(kJsonType)) return wire::decode_json<wire::Message>(req.body());
  if (type.empty() || type.starts_with(kCompactType)) return wire::decode<wire::Message>(req.body());
  return fail(errc::unsupported_media_type);
}

}  // namespace

bool wants_json(const HttpRequest& req) {
  return std::string_view(req[http::field::accept]).find(kJsonType) != std::string_view::npos;
}

ApiRequest read_api_request(const HttpRequest& req, const RouteLimits& limits,
                            const TokenSigner* signer, std::chrono::sys_seconds now) {
  ApiRequest out;
  out.version = req.version();
  out.keep_alive = req.keep_alive();
  out.json = wants_json(req);
  out.gzip = accepts_gzip(req[http::field::accept_encoding]);
  out.route = parse_route(std::string_view(req.method_string()), std::string_view(req.target()), limits);
  if (!out.route || !needs_token(*out.route)) return out;
  out.user = bearer_user(req, signer, now, out.device);
  if (out.user && (std::holds_alternative<CreateThreadRoute>(*out.route) ||
                   std::holds_alternative<RequestRoute>(*out.route))) {
    out.body = decode_body(req);
  }
  return out;
}

}  // namespace iris::net
