#include "net/cors.h"

#include <algorithm>

namespace iris::net {

CorsVerdict cors_verdict(const std::vector<std::string>& origins, std::string_view method, std::string_view target,
                         std::string_view origin, std::string_view request_method) {
  CorsVerdict v;
  if (origins.empty() || !target.starts_with("/v1/")) return v;
  // The answer differs by Origin, so a shared cache must key on it, listed or not.
  v.headers.emplace_back("Vary", "Origin");
  if (origin.empty() || std::find(origins.begin(), origins.end(), origin) == origins.end()) return v;
  v.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  if (method == "OPTIONS" && !request_method.empty()) {
    v.preflight = true;
    v.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST");
    v.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, Content-Encoding");
    v.headers.emplace_back("Access-Control-Max-Age", std::to_string(kCorsMaxAgeSeconds));
    return v;
  }
  // What a script may read off an answer besides the simple fields: when to retry, where
  // a 307 points.
  v.headers.emplace_back("Access-Control-Expose-Headers", "Retry-After, Location");
  return v;
}

bool valid_cors_origin(std::string_view origin) {
  if (origin.size() > 256) return false;
  std::string_view rest = origin;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return false;
  }
  if (rest.empty()) return false;
  const auto colon = rest.rfind(':');
  const auto host = rest.substr(0, colon);
  const auto ok_host = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '[' || c == ']' ||
           c == ':';
  };
  if (host.empty() || !std::all_of(host.begin(), host.end(), ok_host)) return false;
  if (colon == std::string_view::npos) return true;
  const auto port = rest.substr(colon + 1);
  return !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

}  // namespace iris::net
