#pragma once
// When to promote the replica, and whether the promotion could have lost an acknowledged
// write: pure logic over rounds of observations (no I/O, no clock), as the monitor feeds it.
//
// Safety rests on semi-sync with wait point AFTER_SYNC: the primary acknowledges a commit
// only after the replica has it in its relay log. While the primary's semi-sync stays ON
// and never counted an unacknowledged commit (Rpl_semi_sync_master_no_tx), the replica has
// every acknowledged transaction, and promoting it after it applied its relay log loses
// nothing. Once the primary fell back to asynchronous commits, the replica "may lag" until it
// is seen holding everything the primary had logged; a promotion in that state bumps the
// failover generation so devices resync. Before the first clean round (monitor just
// started) nothing is known, which counts as "may lag".

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

#include "dbpair/pair_admin.h"

namespace iris::dbpair {

struct PolicyOptions {
  // How long the primary must be unreachable, round after round, before a failover.
  std::chrono::milliseconds down_after{1000};
};

enum class Action { none, promote, fence };

struct Decision {
  Action action = Action::none;
  std::size_t server = 0;        // the server to promote or fence
  bool bump_generation = false;  // promote only: the replica may lack acknowledged writes
  bool operator==(const Decision&) const = default;
};

// What happened in the last round, for the monitor's log lines and metrics.
struct PolicyEvents {
  bool semisync_fell_back = false;  // the primary acknowledged (or may now) without the replica
  bool replica_in_sync = false;     // the replica has everything again after "may lag"
  bool primary_lost = false;        // the primary became unreachable this round
  bool replica_sees_primary = false;  // primary unreachable to us, not to the replica: no failover
  bool no_candidate = false;        // primary down past down_after and nobody to promote
  bool both_writable = false;       // two writable servers and none of them known as primary
};

class FailoverPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  explicit FailoverPolicy(PolicyOptions options) : options_(options) {}

  // One round: each configured server's observation, nullopt when unreachable.
  Decision step(Clock::time_point now, std::span<const std::optional<Observation>> servers);
  // The last promote decision was carried out.
  void promoted(std::size_t server);

  std::optional<std::size_t> primary() const { return primary_; }
  bool replica_may_lag() const { return may_lag_; }
  const PolicyEvents& events() const { return events_; }

 private:
  void track_semisync(std::size_t primary, std::span<const std::optional<Observation>> servers);

  PolicyOptions options_;
  std::optional<std::size_t> primary_;
  bool may_lag_ = true;
  std::optional<std::uint64_t> last_no_tx_;
  std::optional<Clock::time_point> down_since_;
  PolicyEvents events_;
};

}  // namespace iris::dbpair
