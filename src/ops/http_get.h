#pragma once
// One blocking HTTP/1.1 GET for irisctl (a server's /metrics), bounded in time and size.

#include <chrono>
#include <string>

#include "base/result.h"

namespace iris::ops {

// The body of a 200 answer from http://host:port/target; an error when the server cannot
// be reached in `timeout`, answers another status, or sends more than `max_bytes`.
Result<std::string> http_get(const std::string& host_port, const std::string& target,
                             std::chrono::milliseconds timeout, std::size_t max_bytes = 8 << 20);

}  // namespace iris::ops
