#pragma once
// A fixed-size latency histogram (power-of-two microsecond buckets) for metrics such as the
// history write latency: constant memory, no allocation per sample, quantiles accurate to a
// factor of two, which is what an operator's dashboard needs. Not thread-safe.

#include <array>
#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>

namespace iris::sync {

class LatencyHistogram {
 public:
  void add(std::chrono::microseconds d) {
    const auto us = static_cast<std::uint64_t>(d.count() < 0 ? 0 : d.count());
    const auto b = std::min<std::size_t>(std::bit_width(us), kBuckets - 1);
    ++buckets_[b];
    ++count_;
    if (d > max_) max_ = d;
  }
  std::uint64_t count() const { return count_; }
  std::chrono::microseconds max() const { return max_; }
  // Upper bound of the bucket holding quantile `q` (0..1); zero when empty.
  std::chrono::microseconds quantile(double q) const {
    if (count_ == 0) return {};
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      seen += buckets_[b];
      if (seen >= rank) return std::min(std::chrono::microseconds{(1ll << b) - 1}, max_);
    }
    return max_;
  }

 private:
  static constexpr std::size_t kBuckets = 40;  // up to 2^39 us, about six days
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::chrono::microseconds max_{0};
};

}  // namespace iris::sync
