#pragma once
// The replicated queue store on MariaDB, with group commit.
//
// MariaDbOptions::commit_connections commit threads, each with its own connection to the
// writable server, commit groups at once. Each takes the operations waiting at that moment
// whose users no group in flight holds (detail/commit_queue.h says why disjoint users, and
// keeps each user's operations in submission order; up to StoreOptions::max_group), reads in
// one round trip what they need that is not cached (queue metas, idempotency records,
// cursors, and `@@read_only`), decides them with the shared rules (detail/queue_group.h) and
// writes the whole group as one transaction (multi-row INSERTs, one COMMIT) before running
// any callback. Concurrent producers thus share each COMMIT and its semi-sync round trip, and
// concurrent COMMITs share the servers' binlog group commit. Callbacks run on the commit
// threads, in submission order per user.
// Reads run on the caller's thread through a ConnectionPool, one statement each (one
// consistent InnoDB read view).
//
// Failures: a database that is down, read-only, slow or answering an error fails the
// group's operations with errc::unavailable (nothing acknowledged that did not commit), and
// the commit thread drops its connection and cached metas and looks for the writable server
// again (MariaDbOptions::servers) for the next group; while none is found, writes fail at
// once with unavailable and stats().writable is false, retried with backoff.
//
// The commit threads assume they are the only writers of the database's queues (the meta cache);
// the cluster issue's per-queue owner claim will fence other writers. Tables and format:
// mariadb/queue_schema.cc, docs/STORAGE_FORMAT.md.

#include <memory>

#include "base/result.h"
#include "store/mariadb/mariadb_options.h"
#include "store/queue_store.h"
#include "store/store_options.h"

namespace iris::store {

// Connects to the writable server of `mariadb.servers`, creates the schema if missing and
// starts the commit thread. open_failed (and a log line saying why) if no server is writable
// at start or the database holds a newer schema version. StoreOptions: the limits and
// max_pending/max_group apply; path, sync, write_buffer_bytes and recovery_backoff do not.
Result<std::unique_ptr<QueueStore>> open_mariadb_queue_store(const StoreOptions& options,
                                                             const MariaDbOptions& mariadb);

}  // namespace iris::store
