#pragma once
// Options of the MariaDB connection layer (and so of the MariaDB queue and history stores),
// parsed by the app from the config file and flags (`mariadb.*` keys).
//
// Failover: list BOTH servers of a replicated pair. Writes (and the reads that must see
// them) go to whichever server is writable (`@@read_only = 0`); after a connection error or
// a refusal for read-only the layer connects again and looks for the writable one anew, so a
// promotion (the failover monitor turns read_only off on the replica and on on the old
// primary) is followed without a restart.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace iris::store {

struct MariaDbOptions {
  // Servers as "host:port", tried in order when looking for the writable one (host a name or
  // an IPv4/IPv6 literal; IPv6 as "[::1]:3306"). Default: one local server.
  std::vector<std::string> servers = {"127.0.0.1:3306"};
  // Account and database. The account needs SELECT, INSERT, UPDATE, DELETE, CREATE (the schema
  // is created at first start) on `database`, and must NOT hold SUPER or READ_ONLY ADMIN: a
  // read-only server is how a fenced old primary refuses writes, and those privileges bypass it.
  std::string user = "iris";
  std::string password;
  std::string database = "iris";
  // Connections for reads (a read takes one for the duration of one query; more readers
  // than this wait). The commit threads have commit_connections more. Default 4.
  std::size_t pool_size = 4;
  // Connections (each with its own commit thread) committing groups of writes at once. Groups
  // in flight never share a user (store/detail/commit_queue.h), so they are decided and
  // committed independently, and the servers' binlog group commit and the semi-sync
  // acknowledgement are shared among them. More overlap more commits' disk and network
  // waits; each holds a server connection. Default 4.
  std::size_t commit_connections = 4;
  // How long to wait for a TCP connection and the handshake. Default 2 s: long enough for a
  // loaded server on a LAN, short enough that a dead host does not stall failover.
  std::chrono::seconds connect_timeout{2};
  // How long one query may wait for an answer (the connector's granularity is seconds). A
  // COMMIT waits for the semi-sync replica's acknowledgement, so keep this above the
  // primary's rpl_semi_sync_master_timeout budget you allow; past it the operation fails
  // with `unavailable` (its outcome unknown: a retried send is answered from its idempotency
  // record). Default 10 s.
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{10};
  // After finding no writable server, writes fail with `unavailable` at once (no queueing
  // behind a dead database) and the next search waits `retry_backoff`, doubling up to
  // `retry_backoff_max`. Defaults 50 ms and 1 s: a promoted replica is found within ~1 s.
  std::chrono::milliseconds retry_backoff{50};
  // How often the queue store's pair watch (a thread of its own, never an event loop) reads
  // the writable server's semi-sync status and the failover generation: a fallback to
  // asynchronous replication is counted (StoreStats::semisync_fallbacks) and logged once, and
  // a generation bump reaches the sync shards without waiting for a write. 0: no watch.
  // Default 1 s: one small query per second.
  std::chrono::milliseconds watch_interval{1000};
  // Ownership fencing (cells only): how long an ownership claim waits for the row lock that
  // an append transaction of the user's previous owner holds (whole seconds, at least 1).
  // Past it the claim fails with `unavailable` and is retried at the device's next attempt:
  // bounds how long a claim can stall this server's claim thread behind a peer paused in
  // the middle of a transaction. Default 2 s.
  std::chrono::seconds claim_wait{2};
  std::chrono::milliseconds retry_backoff_max{1000};
};

}  // namespace iris::store
