#include "sms/outgoing.h"

#include <algorithm>

namespace iris::sms {

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string_view::npos ? std::string("/") : std::string(url.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    const auto rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::nullopt;
  if (port.empty()) port = "80";
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  out.port = std::string(port);
  if (std::any_of(out.target.begin(), out.target.end(), [](char c) { return c <= ' ' || c == 127; })) return std::nullopt;
  return out;
}

Form outgoing_form(std::string_view to, std::string_view from, std::string_view body) {
  return Form{{"To", std::string(to)}, {"From", std::string(from)}, {"Body", std::string(body)}};
}

Verdict verdict(unsigned status) {
  if (status >= 200 && status < 300) return Verdict::accepted;
  if (status == 429 || (status >= 500 && status < 600)) return Verdict::temporary;
  return Verdict::permanent;
}

}  // namespace iris::sms
