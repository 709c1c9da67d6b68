#pragma once
// The embedded queue store on RocksDB, with group commit.
//
// One commit thread owns all writes: it takes every operation waiting at that moment (up to
// StoreOptions::max_group), applies them to one WriteBatch, writes it with a synced WAL, and
// only then runs their callbacks. Concurrent producers therefore share each fdatasync, which
// is what makes durable throughput far exceed one fsync per update. Reads go straight to
// RocksDB from the caller's thread.
//
// The commit thread caches each touched queue's Meta (epoch, first, head). After a failed
// write we no longer know what the disk holds, and guessing could reuse a seq, so the store
// refuses writes (errc::store_failed, stats().writable false) until a recovery succeeds: the
// commit thread retries RocksDB's Resume() with backoff (StoreOptions::recovery_backoff),
// which starts a new WAL past the failed batch, then drops the cache and accepts writes again.
// A full disk therefore heals by itself once space is freed, without losing anything
// acknowledged.
// The on-disk format is docs/STORAGE_FORMAT.md (and store/detail/record_codec.h).

#include <memory>

#include "base/result.h"
#include "store/queue_store.h"
#include "store/store_options.h"

namespace iris::store {

// Opens the store at options.path, creating the directory and database if missing.
// open_failed (and a log line saying why) if RocksDB cannot open it.
Result<std::unique_ptr<QueueStore>> open_rocksdb_queue_store(const StoreOptions& options);

}  // namespace iris::store
