#include "dbpair/failover_policy.h"

#include <vector>

namespace iris::dbpair {

Decision FailoverPolicy::step(Clock::time_point now,
                              std::span<const std::optional<Observation>> servers) {
  events_ = {};
  std::vector<std::size_t> writable;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    if (servers[i] && !servers[i]->read_only) writable.push_back(i);
  }
  if (writable.size() > 1) {
    // A returning old primary that came back writable: close it, keep the one we promoted.
    for (std::size_t w : writable) {
      if (primary_ && w != *primary_) return {Action::fence, w, false};
    }
    events_.both_writable = true;
    return {};
  }
  if (writable.size() == 1) {
    if (primary_ != writable.front()) last_no_tx_.reset();
    primary_ = writable.front();
    down_since_.reset();
    track_semisync(*primary_, servers);
    return {};
  }
  if (!primary_) return {};
  const bool back_read_only = servers[*primary_].has_value();
  if (back_read_only && !down_since_) {
    // Read-only and never lost: fenced by an operator (a switchover in progress).
    return {};
  }
  if (!down_since_) {
    down_since_ = now;
    events_.primary_lost = true;
  }
  if (now - *down_since_ < options_.down_after) return {};
  for (std::size_t c = 0; c < servers.size(); ++c) {
    if (c == *primary_ || !servers[c] || !servers[c]->read_only) continue;
    // A replica that still receives from the primary means the primary is alive and only we
    // lost it, unless the primary came back read-only after the loss: restarted as a replica
    // (--init-rpl-role=SLAVE), it can no longer be the primary, and the replica may well
    // have reconnected to it.
    if (!back_read_only && servers[c]->replicating && servers[c]->io_running == "Yes") {
      events_.replica_sees_primary = true;
      return {};
    }
    return {Action::promote, c, may_lag_};
  }
  events_.no_candidate = true;
  return {};
}

void FailoverPolicy::track_semisync(std::size_t primary,
                                    std::span<const std::optional<Observation>> servers) {
  const Observation& p = *servers[primary];
  const bool no_tx_grew = last_no_tx_ && p.semisync_no_tx > *last_no_tx_;
  last_no_tx_ = p.semisync_no_tx;
  if (!p.semisync_enabled || !p.semisync_on || no_tx_grew) {
    if (!may_lag_) events_.semisync_fell_back = true;
    may_lag_ = true;
    return;
  }
  if (!may_lag_) return;
  for (std::size_t r = 0; r < servers.size(); ++r) {
    if (r != primary && servers[r] && servers[r]->replicating &&
        p.binlog_pos.within(servers[r]->io_pos)) {
      may_lag_ = false;
      events_.replica_in_sync = true;
      return;
    }
  }
}

void FailoverPolicy::promoted(std::size_t server) {
  primary_ = server;
  // The generation bump (if any) covered what the old pair may have lost; the new primary
  // has semi-sync on from its first write.
  may_lag_ = false;
  last_no_tx_.reset();
  down_since_.reset();
}

}  // namespace iris::dbpair
