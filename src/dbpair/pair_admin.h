#pragma once
// What the monitor and `irisd db promote` read from and do to a server of the pair: one
// observation, and the steps of a promotion. Each function is one bounded round of
// statements on an AdminConnection; the decisions live in FailoverPolicy.

#include <chrono>
#include <cstdint>
#include <string>

#include "base/result.h"
#include "dbpair/admin_connection.h"
#include "dbpair/gtid.h"

namespace iris::dbpair {

struct Observation {
  bool read_only = true;
  GtidPos binlog_pos;  // what this server has written to its binlog
  GtidPos slave_pos;   // what its SQL thread has applied from a primary
  // Primary side of semi-sync: enabled by config, and ON while it still waits for acks
  // (OFF once a timeout made it fall back to asynchronous replication).
  bool semisync_enabled = false;
  bool semisync_on = false;
  std::uint64_t semisync_no_tx = 0;  // commits acknowledged without a replica's ack, ever
  std::uint64_t semisync_clients = 0;
  // Replica side; `replicating` is false when no primary is configured (RESET SLAVE ALL).
  bool replicating = false;
  std::string io_running;  // "Yes", "Connecting" or "No"
  bool sql_running = false;
  GtidPos io_pos;  // what its IO thread has received into the relay log
};

Result<Observation> observe(AdminConnection& server);

// A database or account name that can be quoted in a statement as it is (no backquote,
// quote or backslash); functions below refuse others with errc::bad_value.
bool plain_name(std::string_view name);

// Replication accounts and where the failover generation row lives.
struct PromoteOptions {
  std::string database = "iris";
  // How long the replica may take to apply what it has received before the promotion is
  // refused (errc::not_caught_up): promoting earlier would publish a state behind the acks.
  std::chrono::milliseconds apply_timeout{10000};
  // Read/write timeout of the connection that promotes: STOP SLAVE waits for the replica's IO
  // thread, which may sit in a read from a hung primary until slave_net_timeout.
  std::chrono::seconds statement_timeout{10};
};

// The failover generation: one row that the MariaDB queue store mixes into every queue's
// epoch. A promotion that could have lost an acknowledged write increments it, so every
// device resyncs instead of silently missing updates (docs/REPLICATION.md).
inline constexpr std::string_view kGenerationTable = "failover_generation";
Result<std::uint64_t> read_generation(AdminConnection& server, const PromoteOptions& options);

// Waits until the replica's SQL thread has applied everything its IO thread received.
Result<void> wait_applied(AdminConnection& replica, const PromoteOptions& options);

// Makes `replica` the primary: stops replication and forgets its primary, bumps the
// generation if asked (before anyone can write), turns the primary side of semi-sync on (so
// from now on nothing is acknowledged until a replica has it) and opens writes.
Result<void> promote(AdminConnection& replica, bool bump_generation, const PromoteOptions& options);

// Closes writes on a server that must no longer be primary. Its semi-sync stays on, so a
// transaction already waiting there is never acknowledged.
Result<void> fence(AdminConnection& server);

struct ReplicationAccount {
  std::string user = "repl";
  std::string password = "repl";
};

// Points a read-only server at `primary` (GTID, from what it has in its own binlog) as a
// semi-sync replica. Refused (errc::diverged) unless the server's binlog is within the
// primary's `primary_binlog_pos`: a fenced primary that was not restarted with
// --init-rpl-role=SLAVE may hold transactions nobody acknowledged, which must be truncated
// by that restart, not replicated around (docs/REPLICATION.md).
Result<void> replicate_from(AdminConnection& server, const ServerAddress& primary,
                            const GtidPos& primary_binlog_pos, const ReplicationAccount& account);

}  // namespace iris::dbpair
