#include "store/commit_latency.h"

#include <algorithm>

namespace iris::store {

void CommitLatency::record(std::chrono::nanoseconds elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(elapsed.count(), 0)),
                    std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

LatencyHistogram CommitLatency::read() const {
  LatencyHistogram h;
  h.bounds_seconds.assign(kBounds.begin(), kBounds.end());
  for (const auto& b : buckets_) h.counts.push_back(b.load(std::memory_order_relaxed));
  h.count = count_.load(std::memory_order_relaxed);
  h.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return h;
}

}  // namespace iris::store
