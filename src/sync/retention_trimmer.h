#pragma once
// RetentionTrimmer: bounds every queue (DESIGN.md "Tiers by recency", tier 2). Each pass
// walks all queues and trims the longest prefix that the retention rule allows
// (core/retention.h): older than the window AND behind the `storage` cursor, plus what the
// length cap asks for, which also never passes the storage cursor. Device cursors play no
// part: a device offline for a day holds back nothing; when it comes back behind the first
// retained seq, its resume answers Resync too_old.
//
// Its own thread, waking every `interval`; trims go through the queue store's commit thread
// like any write, so shards never wait for it. Time comes from the injected clock, so tests
// drive days in microseconds. Each pass also measures device cursor lag for the metrics.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "base/result.h"
#include "core/retention.h"
#include "store/queue_store.h"
#include "sync/cursor_lag.h"

namespace iris::sync {

struct RetentionOptions {
  core::RetentionPolicy policy;
  // Time between two passes. Default 60 s: trims lag the window by at most this much.
  std::chrono::milliseconds interval{60'000};
  // Most updates read per queue per pass to find the time-based trim point. Default
  // 100,000: a queue with a longer trimmable prefix gets the rest on the next pass.
  std::size_t scan = 100'000;
};

class RetentionTrimmer {
 public:
  using Clock = std::function<core::Timestamp()>;

  struct Metrics {
    std::uint64_t passes = 0;
    std::uint64_t trimmed_updates = 0;  // in all, since start
    std::uint64_t trimmed_queues = 0;   // trims done (one per queue and pass at most)
    std::uint64_t failures = 0;         // queues a pass could not read or trim
    // Of the last pass: the worst device cursor, and how many device cursors are behind
    // their queue's first retained seq (those devices will resync with too_old).
    CursorLag device_lag;
    std::uint64_t devices = 0;
    std::uint64_t devices_too_old = 0;
  };

  // `queue` must outlive the trimmer.
  RetentionTrimmer(store::QueueStore& queue, const RetentionOptions& options, Clock now);
  ~RetentionTrimmer();
  RetentionTrimmer(const RetentionTrimmer&) = delete;
  RetentionTrimmer& operator=(const RetentionTrimmer&) = delete;

  // Called on the trimmer's thread after each pass (irisd logs the metrics from it).
  // Requires: set before start().
  void set_pass_hook(std::function<void(const Metrics&)> hook) { hook_ = std::move(hook); }
  void start();
  void stop();
  // One pass on the caller's thread (tests; do not mix with start()).
  void run_once();
  Metrics metrics() const;

 private:
  void loop();
  // Trims one queue; returns how many updates went.
  Result<std::size_t> trim_user(core::UserId user, Metrics& pass);

  store::QueueStore& queue_;
  const RetentionOptions options_;
  Clock now_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  Metrics metrics_;        // guarded by mu_
  std::function<void(const Metrics&)> hook_;
  std::thread thread_;
};

}  // namespace iris::sync
