#include "client/server_redirect.h"

namespace iris::client {

std::optional<ServerAddress> parse_server_reference(std::string_view reference, std::uint16_t default_port) {
  reference = reference.substr(0, reference.find(' '));
  if (reference.empty()) return std::nullopt;
  ServerAddress out;
  std::string_view port_text;
  if (reference.front() == '[') {
    const auto close = reference.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    out.host = std::string(reference.substr(1, close - 1));
    const std::string_view rest = reference.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
  } else {
    const auto colon = reference.rfind(':');
    // More than one colon without brackets: an IPv6 address without a port.
    if (colon != std::string_view::npos && reference.find(':') == colon) {
      out.host = std::string(reference.substr(0, colon));
      port_text = reference.substr(colon + 1);
      if (port_text.empty() || out.host.empty()) return std::nullopt;
    } else {
      out.host = std::string(reference);
    }
  }
  if (port_text.empty()) {
    out.port = default_port;
    return out;
  }
  unsigned port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || (port = port * 10 + static_cast<unsigned>(c - '0')) > 65535) return std::nullopt;
  }
  if (port == 0) return std::nullopt;
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

ServerRedirect::ServerRedirect(ServerAddress configured, std::uint32_t max_hops)
    : configured_(std::move(configured)), max_hops_(max_hops) {}

bool ServerRedirect::follow(std::string_view reference) {
  auto next = parse_server_reference(reference, configured_.port);
  if (!next || hops_ >= max_hops_) {
    ended();
    return false;
  }
  ++hops_;
  redirected_ = std::move(*next);
  return true;
}

void ServerRedirect::ended() {
  hops_ = 0;
  redirected_.reset();
}

}  // namespace iris::client
