#pragma once
// iris-dbmon's /metrics: a minimal blocking HTTP/1.0 responder on its own thread (one
// request per connection, bounded read, bounded wait), enough for Prometheus and curl.

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>

namespace iris::dbmon {

inline constexpr std::size_t kMaxRequestBytes = 4096;

// Binds host:port (port 0 picks one); returns the bound port, or -1 with errno set.
int bind_metrics(const std::string& host, std::uint16_t port, int& listen_fd);
// Serves GET /metrics with body() until stop; closes listen_fd.
void serve_metrics(int listen_fd, const std::function<std::string()>& body, std::stop_token stop);

}  // namespace iris::dbmon
