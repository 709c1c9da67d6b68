#include "sync/request_rates.h"

#include <algorithm>

namespace iris::sync {
namespace {

const RateLimit& limit_of(RequestKind kind, const RequestRateLimits::Scope& scope) {
  return kind == RequestKind::send ? scope.sends : scope.thread_ops;
}

}  // namespace

std::optional<std::chrono::milliseconds> RequestRates::admit(RequestKind kind, RequestRates& user,
                                                             RequestRates* conn,
                                                             const RequestRateLimits& limits,
                                                             core::Timestamp now) {
  const RateLimit& user_limit = limit_of(kind, limits.user);
  const RateLimit& conn_limit = limit_of(kind, limits.connection);
  auto wait = user.bucket(kind).wait(user_limit, now);
  if (conn) {
    if (auto w = conn->bucket(kind).wait(conn_limit, now)) wait = std::max(wait.value_or(*w), *w);
  }
  if (wait) return wait;
  if (!user_limit.off()) user.bucket(kind).take();
  if (conn && !conn_limit.off()) conn->bucket(kind).take();
  return std::nullopt;
}

}  // namespace iris::sync
