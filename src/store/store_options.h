#pragma once
// Options of the queue store, parsed by the app from the config file and flags.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace iris::store {

struct StoreOptions {
  // Directory of the RocksDB database; created if missing. Default: ./data/queue.
  std::string path = "data/queue";
  // Sync the write-ahead log before acknowledging a write. Default on: an acknowledged send
  // survives a power loss. Off only for benchmarks of the non-durable path.
  bool sync = true;
  // Most updates one queue may retain; an append beyond it fails with queue_full. Default
  // 1,000,000: far above any live device's backlog, low enough to bound one user's disk use.
  std::uint64_t max_queue_length = 1'000'000;
  // Most updates that one other user's requests (its sends, receipts, thread changes) may
  // hold in a queue; an append beyond it fails with share_full for that sender alone, while
  // the queue's owner and everyone else go on. 0 = no share. Default 100,000: filling a queue
  // to max_queue_length takes ten senders each at its full share, each within its rate limits.
  std::uint64_t max_sender_share = 100'000;
  // Most write operations waiting for the commit thread; beyond it writes fail with
  // `overloaded` instead of growing memory without bound. Default 100,000.
  std::size_t max_pending = 100'000;
  // Most operations one group commit takes; bounds one synced write's size and the latency
  // of the first operation in it. Default 4,096.
  std::size_t max_group = 4096;
  // RocksDB write buffer (memtable) size in bytes. Default 64 MiB.
  std::size_t write_buffer_bytes = 64u << 20;
  // After a failed write (a full disk, an I/O error) the store refuses writes and retries
  // recovery (RocksDB's Resume) first after `recovery_backoff`, then doubling up to
  // `recovery_backoff_max`, until a recovery succeeds; no restart is needed once the cause is
  // gone. Defaults 100 ms and 5 s: a freed disk is noticed within 5 s, and a disk that stays
  // full costs one attempt per 5 s.
  std::chrono::milliseconds recovery_backoff{100};
  std::chrono::milliseconds recovery_backoff_max{5000};
};

}  // namespace iris::store
