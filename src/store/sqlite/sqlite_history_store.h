#pragma once
// The embedded history store on SQLite: one file, <path>/history.sqlite3, apart from the
// RocksDB queue store. SQLite because history is read relationally (an inbox is threads
// joined with their newest messages and counts; older messages are paged by id within a
// thread) and written in large batches by one writer, which a single-writer WAL database
// does well; a separate file keeps a history outage (disk full, bad file) away from the
// queue. The schema is docs/STORAGE_FORMAT.md, "History store".
//
// Durability: WAL with synchronous=FULL, so a committed apply() survives a power loss. The WAL
// is kept small: after a commit that left it over wal_limit_bytes, a TRUNCATE checkpoint
// copies it into the database and cuts it to zero bytes (journal_size_limit caps what a
// restarted WAL keeps too).
//
// Outage behaviour: if the database cannot be opened (missing or unwritable directory) the
// store still constructs; every call fails with errc::unavailable and retries the open at
// most once per HistoryStoreOptions::reopen_interval. A failed write closes the connections
// so that the next call reopens them: a disk that comes back is picked up without a restart.
//
// Threading: one write connection and one read connection, each behind its own mutex, so
// reads (snapshots, paging) run concurrently with a long apply() under WAL.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "store/history_store.h"

namespace iris::store {

struct HistoryStoreOptions {
  // Directory of the history database; created if missing. Default: data/history.
  std::string path = "data/history";
  // Least time between two attempts to reopen an unavailable database. Default 1 s: quick
  // recovery without a log line per call during an outage.
  std::chrono::milliseconds reopen_interval{1000};
  // Most bytes the write-ahead log may keep after a commit before it is checkpointed and
  // truncated. Default 16 MiB: a few large batches between checkpoints; lower costs a
  // checkpoint (database writes + fsync) more often, higher leaves more disk to the WAL.
  std::uint64_t wal_limit_bytes = 16ull << 20;
};

// Never fails: an unopenable database makes an unavailable store (logged), see above.
std::unique_ptr<HistoryStore> open_sqlite_history_store(const HistoryStoreOptions& options);

}  // namespace iris::store
