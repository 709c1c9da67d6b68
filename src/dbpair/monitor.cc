#include "dbpair/monitor.h"

#include <algorithm>
#include <exception>
#include <thread>

#include "base/log.h"

namespace iris::dbpair {

std::string MonitorMetrics::text() const {
  std::string out;
  const auto counter = [&](std::string_view name, std::string_view help, std::uint64_t v) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, v);
  };
  const auto gauge = [&](std::string_view name, std::string_view help, std::int64_t v) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", name, help, v);
  };
  counter("iris_dbmon_rounds_total", "Observation rounds of both servers.", rounds.load());
  counter("iris_dbmon_failovers_total", "Replicas promoted after the primary was lost.", failovers.load());
  counter("iris_dbmon_failed_promotions_total", "Promotions that failed and will be retried.",
          failed_promotions.load());
  counter("iris_dbmon_generation_bumps_total",
          "Promotions that bumped the failover generation (devices resync).", generation_bumps.load());
  counter("iris_dbmon_semisync_fallbacks_total",
          "Times the primary's semi-sync fell back to asynchronous replication.",
          semisync_fallbacks.load());
  counter("iris_dbmon_fences_total", "Writable servers set read-only because another is primary.",
          fences.load());
  counter("iris_dbmon_rejoins_total", "Returned servers attached to the primary as replica.",
          rejoins.load());
  gauge("iris_dbmon_primary", "Index of the primary in --servers, -1 if none is known.", primary.load());
  gauge("iris_dbmon_replica_may_lag",
        "1 if the replica may lack an acknowledged write (a failover now bumps the generation).",
        replica_may_lag.load() ? 1 : 0);
  return out;
}

std::optional<Observation> Monitor::poll(std::size_t server) {
  auto& conn = connections_[server];
  if (!conn) {
    auto c = AdminConnection::connect(options_.servers[server], options_.admin);
    if (!c) return std::nullopt;
    conn.emplace(std::move(*c));
  }
  auto o = observe(*conn);
  if (!o) {
    conn.reset();  // reconnect next round: the failure may have been the connection
    return std::nullopt;
  }
  return std::move(*o);
}

void Monitor::round() {
  const std::size_t n = options_.servers.size();
  if (connections_.size() != n) {
    connections_.resize(n);
    next_rejoin_try_.assign(n, {});
  }
  // The primary first: a replica seen after it has had time to receive what it had logged.
  std::vector<std::optional<Observation>> seen(n);
  const auto first = policy_.primary().value_or(0);
  seen[first] = poll(first);
  for (std::size_t i = 0; i < n; ++i) {
    if (i != first) seen[i] = poll(i);
  }
  const auto now = FailoverPolicy::Clock::now();
  const Decision decision = policy_.step(now, seen);
  if (policy_.events().primary_lost) lost_at_ = now;
  log_events();
  carry_out(decision);
  if (decision.action == Action::none && options_.auto_rejoin) maybe_rejoin(seen);
  metrics_.rounds.fetch_add(1);
  metrics_.primary.store(policy_.primary() ? static_cast<int>(*policy_.primary()) : -1);
  metrics_.replica_may_lag.store(policy_.replica_may_lag());
}

void Monitor::log_events() {
  const PolicyEvents& e = policy_.events();
  const auto name = [&](std::optional<std::size_t> i) {
    return i ? options_.servers[*i].to_string() : std::string("?");
  };
  if (e.semisync_fell_back) {
    metrics_.semisync_fallbacks.fetch_add(1);
    IRIS_LOG(error, "dbmon", "primary {}: semi-sync fell back to asynchronous replication: "
             "acknowledged writes may be on the primary only; a failover now bumps the "
             "failover generation", name(policy_.primary()));
  }
  if (e.replica_in_sync) {
    IRIS_LOG(info, "dbmon", "replica has everything primary {} logged; semi-sync on",
             name(policy_.primary()));
  }
  if (e.primary_lost) {
    IRIS_LOG(warn, "dbmon", "primary {} unreachable; failover after {} ms",
             name(policy_.primary()), options_.policy.down_after.count());
  }
  if (e.replica_sees_primary) {
    IRIS_LOG(warn, "dbmon", "primary {} unreachable from here but its replica still receives "
             "from it: no failover", name(policy_.primary()));
  }
  if (e.no_candidate) IRIS_LOG(error, "dbmon", "primary lost and no replica to promote");
  if (e.both_writable) IRIS_LOG(error, "dbmon", "both servers are writable; fence one by hand");
}

void Monitor::carry_out(const Decision& d) {
  if (d.action == Action::none || !connections_[d.server]) return;
  const std::string who = options_.servers[d.server].to_string();
  if (d.action == Action::fence) {
    if (fence(*connections_[d.server])) {
      metrics_.fences.fetch_add(1);
      IRIS_LOG(warn, "dbmon", "{} was writable beside the primary: set read-only", who);
    }
    return;
  }
  AdminOptions patient = options_.admin;
  patient.read_timeout = patient.write_timeout =
      std::max(options_.admin.read_timeout, options_.promote.statement_timeout);
  auto conn = AdminConnection::connect(options_.servers[d.server], patient);
  if (!conn) {
    metrics_.failed_promotions.fetch_add(1);
    IRIS_LOG(error, "dbmon", "promoting {} failed: cannot connect; retrying", who);
    return;
  }
  if (auto r = promote(*conn, d.bump_generation, options_.promote); !r) {
    metrics_.failed_promotions.fetch_add(1);
    IRIS_LOG(error, "dbmon", "promoting {} failed: {}; retrying", who, r.error().message());
    return;
  }
  policy_.promoted(d.server);
  metrics_.failovers.fetch_add(1);
  if (d.bump_generation) metrics_.generation_bumps.fetch_add(1);
  const auto since = lost_at_ ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                    FailoverPolicy::Clock::now() - *lost_at_).count() : -1;
  IRIS_LOG(warn, "dbmon", "promoted {} to primary {} ms after the primary was lost; {}", who,
           since, d.bump_generation ? "failover generation bumped: devices resync"
                                    : "nothing acknowledged was lost, generation unchanged");
}

void Monitor::maybe_rejoin(std::span<const std::optional<Observation>> seen) {
  const auto p = policy_.primary();
  if (!p || !seen[*p] || seen[*p]->read_only) return;
  const auto now = FailoverPolicy::Clock::now();
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (i == *p || !seen[i] || !seen[i]->read_only) continue;
    // Attached to nobody (an old primary), or both replication threads stopped (a replica
    // restarted with --skip-slave-start): point it at the primary. A stopped IO thread alone
    // (an operator's STOP SLAVE IO_THREAD) is left alone.
    const bool idle = !seen[i]->replicating || (seen[i]->io_running == "No" && !seen[i]->sql_running);
    if (!idle) continue;
    if (now < next_rejoin_try_[i]) continue;
    next_rejoin_try_[i] = now + std::chrono::seconds(5);
    if (replicate_from(*connections_[i], options_.servers[*p], seen[*p]->binlog_pos,
                       options_.replication)) {
      metrics_.rejoins.fetch_add(1);
      IRIS_LOG(info, "dbmon", "{} rejoined as replica of {}", options_.servers[i].to_string(),
               options_.servers[*p].to_string());
    }
  }
}

void Monitor::run(std::stop_token stop) {
  IRIS_LOG(info, "dbmon", "monitoring {} servers every {} ms, failover after {} ms",
           options_.servers.size(), options_.interval.count(), options_.policy.down_after.count());
  while (!stop.stop_requested()) {
    const auto started = std::chrono::steady_clock::now();
    try {
      round();
    } catch (const std::exception& e) {
      // Nothing here should throw but allocation; a monitor that stops is worse than a
      // skipped round.
      IRIS_LOG(error, "dbmon", "round failed: {}", e.what());
    }
    const auto next = started + options_.interval;
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

}  // namespace iris::dbpair
