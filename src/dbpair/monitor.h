#pragma once
// The failover monitor: one per deployment (iris-dbmon), polling both servers of the pair,
// feeding FailoverPolicy and carrying out its decisions (promote, fence), and reattaching a
// returned server as the replica. Runs on the caller's thread until stopped.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "dbpair/admin_connection.h"
#include "dbpair/failover_policy.h"
#include "dbpair/pair_admin.h"

namespace iris::dbpair {

struct MonitorOptions {
  std::vector<ServerAddress> servers;  // both servers of the pair
  AdminOptions admin;
  ReplicationAccount replication;
  PromoteOptions promote;
  PolicyOptions policy;
  // Time between two rounds of observations.
  std::chrono::milliseconds interval{100};
  // Attach a reachable read-only server that replicates from nobody (or whose replication
  // threads are both stopped) to the primary.
  bool auto_rejoin = true;
};

// Counters for /metrics; read from any thread.
struct MonitorMetrics {
  std::atomic<std::uint64_t> rounds{0};
  std::atomic<std::uint64_t> failovers{0};
  std::atomic<std::uint64_t> failed_promotions{0};
  std::atomic<std::uint64_t> generation_bumps{0};
  std::atomic<std::uint64_t> semisync_fallbacks{0};
  std::atomic<std::uint64_t> fences{0};
  std::atomic<std::uint64_t> rejoins{0};
  std::atomic<int> primary{-1};            // index into MonitorOptions::servers, -1 unknown
  std::atomic<bool> replica_may_lag{true};  // see FailoverPolicy
  // Prometheus text exposition of the above.
  std::string text() const;
};

class Monitor {
 public:
  explicit Monitor(MonitorOptions options) : options_(std::move(options)), policy_(options_.policy) {}
  // Polls until `stop` is requested; never throws (a failed round is logged and retried).
  void run(std::stop_token stop);
  // One round (tests drive it directly).
  void round();
  const MonitorMetrics& metrics() const { return metrics_; }

 private:
  std::optional<Observation> poll(std::size_t server);
  void carry_out(const Decision& decision);
  void log_events();
  void maybe_rejoin(std::span<const std::optional<Observation>> seen);

  MonitorOptions options_;
  FailoverPolicy policy_;
  std::vector<std::optional<AdminConnection>> connections_;
  std::optional<FailoverPolicy::Clock::time_point> lost_at_;
  std::vector<FailoverPolicy::Clock::time_point> next_rejoin_try_;
  MonitorMetrics metrics_;
};

}  // namespace iris::dbpair
