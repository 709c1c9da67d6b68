#pragma once
// CommitLatency: a fixed-bucket histogram of how long the commit thread's synced writes take
// (one observation per group commit), and StoreStats, what a store reports about itself for
// health checks and metrics (net/ exposes them on /metrics and /healthz).
//
// Recorded by the commit thread and read by any thread at any time without a lock: every
// counter is a relaxed atomic, so a reader may see a bucket bumped before the total; a
// Prometheus scrape tolerates that (the next scrape is consistent again).

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

namespace iris::store {

// A histogram as read at one moment: counts[i] observations fell in (bounds[i-1], bounds[i]],
// and counts.back() (one more than bounds) those above the last bound.
struct LatencyHistogram {
  std::vector<double> bounds_seconds;
  std::vector<std::uint64_t> counts;
  double sum_seconds = 0;
  std::uint64_t count = 0;
};

struct StoreStats {
  // False while the store refuses writes (after a failed commit until it recovers, or once
  // closing): /healthz says 503.
  bool writable = true;
  // Latency of each group commit (write + WAL sync); empty for stores without a commit
  // thread.
  LatencyHistogram commits;
  // Times the replicated store's primary was seen falling back from semi-synchronous to
  // asynchronous replication (MariaDB's pair watch): writes acknowledged meanwhile may be on
  // one server only. 0 for the embedded stores.
  std::uint64_t semisync_fallbacks = 0;
  // Appends refused by ownership fencing (errc::not_owner) since the store opened: a server
  // that wrote as a user's owner after another had claimed it.
  std::uint64_t not_owner_refusals = 0;
};

class CommitLatency {
 public:
  // Upper bounds, in seconds: from a page-cache write (sub-millisecond) to a stalled disk.
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  void record(std::chrono::nanoseconds elapsed);
  LatencyHistogram read() const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace iris::store
