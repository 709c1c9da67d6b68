#pragma once
// TokenBucket: one rate limit (a sustained rate and a burst), as a pure value: time comes in.
// The bucket holds up to `burst` tokens, earns `per_second` tokens a second, and each admitted
// operation takes one. Used per user and per connection by the sync service's request limits
// (RequestRates) and shaped like ResyncLimiter's buckets.

#include <chrono>
#include <cstdint>
#include <optional>

#include "core/ids.h"

namespace iris::sync {

struct RateLimit {
  // Tokens earned per second; 0 turns the limit off (every operation is admitted).
  double per_second = 0;
  // Most tokens held, so the most operations admitted at once after a quiet spell.
  // Requires: >= 1 when per_second > 0.
  double burst = 1;
  bool off() const { return per_second <= 0; }
};

class TokenBucket {
 public:
  // A new bucket is full: a user or connection starts with its whole burst.
  TokenBucket(const RateLimit& limit, core::Timestamp now) : tokens_(limit.burst), updated_(now) {}

  // nullopt if one token is there at `now` (without taking it); otherwise how long until one
  // is, rounded up to the millisecond (>= 1 ms).
  std::optional<std::chrono::milliseconds> wait(const RateLimit& limit, core::Timestamp now);
  // Takes one token. Requires: wait(limit, now) was nullopt.
  void take() { tokens_ -= 1.0; }
  // Whether the bucket is full at `now`, i.e. it remembers nothing a new bucket would not.
  bool full(const RateLimit& limit, core::Timestamp now);

 private:
  void refill(const RateLimit& limit, core::Timestamp now);

  double tokens_;
  core::Timestamp updated_;
};

}  // namespace iris::sync
