#pragma once
// Backoff: the delay before the next reconnect attempt. Exponential with "equal jitter":
// the n-th consecutive failure waits a random time in [cap/2, cap], cap = min(max,
// initial * 2^n), so a server restart does not see every device come back in the same
// millisecond, while a device never waits less than half the nominal delay. Pure: the
// random source is seeded by the owner (tests pass a fixed seed).

#include <chrono>
#include <cstdint>
#include <random>

namespace iris::client {

class Backoff {
 public:
  using ms = std::chrono::milliseconds;
  // Requires: 0 < initial <= max.
  Backoff(ms initial, ms max, std::uint64_t seed);

  // The delay before the next attempt; counts one more failure.
  ms next();
  // A connection that worked: the next failure starts again from `initial`.
  void reset() { failures_ = 0; }
  int failures() const { return failures_; }
  // The cap for the n-th failure (0-based): the upper bound of next()'s range.
  ms cap(int failures) const;

 private:
  ms initial_, max_;
  int failures_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace iris::client
