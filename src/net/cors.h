#pragma once
// Cross-origin access to the HTTP API (docs/SECURITY.md "Cross-origin requests"): a web app
// served by one server calls /v1/route on it and then the owner's /v1/* on another, which
// the browser allows only when that server's answer names the page's origin. Pure: the
// session feeds it the request's method, target and Origin and adds what it returns.
//
// Only origins listed in http.cors_origins are answered, exactly (scheme://host[:port]), never
// "*"; credentials (cookies) are not allowed: the API's token goes in the Authorization
// header, which the preflight allows. Nothing outside /v1/ gets CORS headers.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iris::net {

// Seconds a browser may cache a preflight's answer (Access-Control-Max-Age).
inline constexpr int kCorsMaxAgeSeconds = 600;

struct CorsVerdict {
  // Header fields to add to the answer (name, value); empty: none.
  std::vector<std::pair<std::string, std::string>> headers;
  // The request is a preflight (OPTIONS with Access-Control-Request-Method) of a listed
  // origin: answer it at once, 204 with `headers`, without a token.
  bool preflight = false;
};

// `origins`: http.cors_origins. `request_method`: the Access-Control-Request-Method field
// ("" when absent).
CorsVerdict cors_verdict(const std::vector<std::string>& origins, std::string_view method, std::string_view target,
                         std::string_view origin, std::string_view request_method);

// Whether `origin` may be listed: "http://" or "https://", then a host and an optional
// ":port", nothing else (no path, no trailing slash, no "*"), at most 256 characters.
bool valid_cors_origin(std::string_view origin);

}  // namespace iris::net
