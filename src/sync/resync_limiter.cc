#include "sync/resync_limiter.h"

#include <algorithm>
#include <cmath>

namespace iris::sync {

void ResyncLimiter::refill(Bucket& b, core::Timestamp now) const {
  if (now > b.updated) {
    const double earned = static_cast<double>((now - b.updated).count()) /
                          static_cast<double>(limits_.refill.count());
    b.tokens = std::min<double>(limits_.burst, b.tokens + earned);
    b.updated = now;
  }
}

std::optional<std::chrono::milliseconds> ResyncLimiter::admit(core::UserId user,
                                                              core::Timestamp now,
                                                              std::mt19937_64& rng) {
  auto [it, fresh] = buckets_.try_emplace(user, Bucket{static_cast<double>(limits_.burst), now});
  Bucket& b = it->second;
  refill(b, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait = (1.0 - b.tokens) * static_cast<double>(limits_.refill.count());
  const double factor = 1.0 + std::uniform_real_distribution<double>(0.0, limits_.jitter)(rng);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(wait * factor)));
}

std::size_t ResyncLimiter::forget_idle(core::Timestamp now) {
  std::size_t forgotten = 0;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    if (it->second.tokens >= static_cast<double>(limits_.burst)) {
      it = buckets_.erase(it);
      ++forgotten;
    } else {
      ++it;
    }
  }
  return forgotten;
}

}  // namespace iris::sync
