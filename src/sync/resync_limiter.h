#pragma once
// Rate limit of full resyncs per user (DESIGN.md "Storms and dead devices"): a restart of
// every device must not turn into a stampede of snapshots. Each user has a token bucket;
// a resync beyond it is answered `temporary` with a retry-after, jittered so that refused
// devices do not all come back in the same second. Pure: time and randomness come in.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <unordered_map>

#include "core/ids.h"

namespace iris::sync {

struct ResyncLimits {
  // Full resyncs a user may start at once (its devices coming back together). Default 4.
  std::uint32_t burst = 4;
  // One more resync is allowed per this interval. Default 10 s.
  std::chrono::milliseconds refill{10'000};
  // A refused device waits the time until the next token times a random factor in
  // [1, 1 + jitter]. Default 0.5.
  double jitter = 0.5;
};

class ResyncLimiter {
 public:
  explicit ResyncLimiter(ResyncLimits limits) : limits_(limits) {}

  // nullopt: go ahead (a token was taken). Otherwise how long the device should wait.
  std::optional<std::chrono::milliseconds> admit(core::UserId user, core::Timestamp now,
                                                 std::mt19937_64& rng);
  // Forgets users whose buckets are full again at `now`; returns how many.
  std::size_t forget_idle(core::Timestamp now);

 private:
  struct Bucket {
    double tokens;
    core::Timestamp updated;
  };
  void refill(Bucket& b, core::Timestamp now) const;

  ResyncLimits limits_;
  std::unordered_map<core::UserId, Bucket> buckets_;
};

}  // namespace iris::sync
