#include "client/backoff.h"

#include <algorithm>

#include "base/assert.h"

namespace iris::client {

Backoff::Backoff(ms initial, ms max, std::uint64_t seed) : initial_(initial), max_(max), rng_(seed) {
  IRIS_ASSERT(initial.count() > 0 && initial <= max, "backoff needs 0 < initial <= max");
}

Backoff::ms Backoff::cap(int failures) const {
  // Doubling stops at max; 2^n overflows nothing because n stops growing at the cap.
  ms c = initial_;
  for (int i = 0; i < failures && c < max_; ++i) c *= 2;
  return std::min(c, max_);
}

Backoff::ms Backoff::next() {
  const ms c = cap(failures_);
  if (c < max_) ++failures_;
  std::uniform_int_distribution<std::int64_t> half(c.count() / 2, c.count());
  return ms(half(rng_));
}

}  // namespace iris::client
