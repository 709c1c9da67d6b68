#pragma once
// The history store on MariaDB (issue 17): the same schema as the SQLite store (version 2, a
// message's body once per thread; docs/STORAGE_FORMAT.md, "History store format (MariaDB)"),
// in the `history_*` tables of the configured database, on the replicated pair's writable server
// through the connection layer (connection_pool.h). A commit is acknowledged by the
// semi-sync replica before apply() returns, so history outlives any one server too.
//
// Outage behaviour: the store constructs without a server; every call fails with
// errc::unavailable until a writable server answers (the pool retries with backoff and
// follows a failover). The tables are created, and their version checked, at the first call
// that reaches a server: a database of another version is refused (unavailable, logged).
//
// Threading: any thread; each call takes a pooled connection for its duration, so reads run
// concurrently with a long apply().

#include <memory>

#include "store/history_store.h"
#include "store/mariadb/mariadb_options.h"

namespace iris::store {

// Requires: options.servers parse (the app validates them at startup).
std::unique_ptr<HistoryStore> open_mariadb_history_store(const MariaDbOptions& options);

}  // namespace iris::store
