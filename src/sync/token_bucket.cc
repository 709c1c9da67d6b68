#include "sync/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace iris::sync {

void TokenBucket::refill(const RateLimit& limit, core::Timestamp now) {
  // A clock that steps back earns nothing rather than taking tokens away.
  if (now <= updated_) return;
  const double seconds = std::chrono::duration<double>(now - updated_).count();
  tokens_ = std::min(limit.burst, tokens_ + seconds * limit.per_second);
  updated_ = now;
}

std::optional<std::chrono::milliseconds> TokenBucket::wait(const RateLimit& limit,
                                                           core::Timestamp now) {
  if (limit.off()) return std::nullopt;
  refill(limit, now);
  if (tokens_ >= 1.0) return std::nullopt;
  const double ms = std::ceil((1.0 - tokens_) * 1000.0 / limit.per_second);
  return std::chrono::milliseconds{std::max<std::int64_t>(1, static_cast<std::int64_t>(ms))};
}

bool TokenBucket::full(const RateLimit& limit, core::Timestamp now) {
  if (limit.off()) return true;
  refill(limit, now);
  return tokens_ >= limit.burst;
}

}  // namespace iris::sync
