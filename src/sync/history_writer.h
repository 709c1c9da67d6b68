#pragma once
// HistoryWriter: the second consumer of every queue (DESIGN.md "Tiers by recency", tier 3).
// It follows each user's `storage` cursor, applies the updates after it to the HistoryStore,
// and moves the cursor only once the history write is durable.
//
// Its own thread; the shards only call notify(user) (a set insert under a mutex, never a
// wait), so a slow or failed history store never delays a send or a push. A user's new
// updates first wait `user_delay` (so that one transaction writes many of them: each user's
// rows sit in their own B-tree pages, which a transaction rewrites whole). Each pass takes
// the users whose wait is over in FIFO order, reads up to `per_user` updates of each after
// what history has,
// until `batch_updates` in all, applies them to history in one transaction, then writes the
// storage cursors (one group commit in the queue store). A user with more left goes to the
// back of the line, so one busy user cannot starve the others.
//
// Failures: a failed history write leaves every cursor where it was, puts the users back,
// and waits (exponential backoff, min_backoff .. max_backoff) before the next attempt; the
// queue keeps everything meanwhile, since the trimmer never passes the storage cursor.
// A crash between the history commit and the cursor write only replays updates that the
// store then skips (history_store.h: apply is idempotent per seq).
//
// Where to start for a user: what history holds (HistoryStore::position) when its epoch is
// the queue's; otherwise (new history database, rebuilt queue) the first retained update.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "base/result.h"
#include "store/history_store.h"
#include "store/queue_store.h"
#include "sync/cursor_lag.h"
#include "sync/latency_histogram.h"

namespace iris::sync {

struct HistoryWriterOptions {
  // Most updates one history transaction takes, over all users. A transaction rewrites every
  // B-tree page it touches (its user's rows sit apart from other users'), so the bytes written
  // per update fall as each user contributes more of them: at 10,000 sends/s (20,000 updates/s
  // over 1,000 users, before user_delay existed) 4,096 wrote 134-159 MB/s of SQLite pages at
  // 32-42% of a core, 32,768 wrote 73-85 MB/s at 25-27% (docs/BENCHMARKS.md "sync"). Default
  // 32,768 (a few MiB of updates in memory per transaction).
  std::size_t batch_updates = 32768;
  // Most updates one user contributes to a transaction. Default 1,024 (fairness).
  std::size_t per_user = 1024;
  // How long a user's new updates wait before a transaction takes them (a user with more
  // than one transaction's share left is taken again at once). A transaction rewrites every
  // B-tree page of the users it touches, so taking each user every few seconds instead of in
  // every transaction divides the pages written per update by the updates gathered: at
  // 10,000 sends/s (1,000 users) see docs/BENCHMARKS.md "sync". Default 2 s; 0 = none.
  std::chrono::milliseconds user_delay{2000};
  // Pause after a transaction that was not full before the next one. Each transaction costs
  // an fsync and rewrites every B-tree page it touched, so a writer that commits as soon as
  // anything is dirty rewrites pages for a handful of updates each time under steady load;
  // measured at 10,000 sends/s, that raised irisd's CPU by a fifth and the delivery p99 from
  // 2.8 ms (no history) to 26-116 ms, and 500 ms brought it to 15-23 ms (docs/BENCHMARKS.md
  // "sync"). History only trails the durable queue a little more. Default 500 ms; 0 = none.
  std::chrono::milliseconds min_interval{500};
  // The writer thread's nice value relative to the process (Linux; 0 = same as the shards).
  // History trails the queue by design, so under CPU pressure live delivery goes first.
  // Default 10.
  int nice = 10;
  // Wait after a failed history write, doubling up to max_backoff. Defaults 10 ms and 5 s.
  std::chrono::milliseconds min_backoff{10};
  std::chrono::milliseconds max_backoff{5000};
};

class HistoryWriter {
 public:
  using Clock = std::function<core::Timestamp()>;
  static core::Timestamp system_clock();

  struct Metrics {
    std::uint64_t applied = 0;          // updates written to history
    std::uint64_t batches = 0;          // history transactions committed
    std::uint64_t failures = 0;         // history transactions that failed
    std::uint64_t cursor_failures = 0;  // storage cursor writes that failed (retried later)
    std::uint64_t users_behind = 0;     // users with updates history does not have yet
    CursorLag storage_lag;              // the worst storage cursor, among users seen behind
    LatencyHistogram write_latency;     // of each history transaction (apply), in us
  };

  // `queue` and `history` must outlive the writer.
  HistoryWriter(store::QueueStore& queue, store::HistoryStore& history,
                const HistoryWriterOptions& options, Clock now = system_clock);
  ~HistoryWriter();
  HistoryWriter(const HistoryWriter&) = delete;
  HistoryWriter& operator=(const HistoryWriter&) = delete;

  // Marks every user that has a queue dirty: at startup, to catch up what arrived while
  // the writer was not running.
  Result<void> track_all_queues();
  // `user` has new updates: a pass takes them once they waited `user_delay`. Any thread;
  // never blocks on the history store.
  void notify(core::UserId user);

  void start();
  // Finishes the pass in progress, then returns. Dirty users stay dirty (and are found again
  // by track_all_queues after a restart).
  void stop();

  // One pass on the caller's thread, for tests and benchmarks (do not mix with start()), taking
  // every dirty user however short its wait: how many updates it applied, or the history
  // error (the users stay dirty).
  Result<std::size_t> run_once() { return pass(false); }
  // The same, taking only the users whose user_delay is over: what the writer's thread does.
  Result<std::size_t> run_ready() { return pass(true); }
  // Runs passes on the caller's thread until no user is waiting, `budget` has passed or a
  // pass fails: a final drain after stop() (clean shutdown, `irisd trim`). True if idle.
  bool flush(std::chrono::milliseconds budget);
  // Whether no user is waiting.
  bool idle() const;
  Metrics metrics() const;

 private:
  struct Known {
    core::Epoch epoch;
    core::Seq applied{0};  // history holds the queue up to here
  };
  struct Lag {
    core::Seq head;
    core::Seq applied;
    std::optional<core::Timestamp> oldest;
  };

  void loop();
  // One pass; with `wait_delay`, only users whose user_delay is over.
  Result<std::size_t> pass(bool wait_delay);
  // Queues `user` unless queued: ready for the next pass, or after user_delay.
  void enqueue(core::UserId user, bool ready);
  // Moves the waiting users whose delay is over (all of them unless `wait_delay`) to dirty_.
  void promote_locked(bool wait_delay);
  // Where history stands for `user` against the queue's `info`, reading history once.
  Result<Known> known(core::UserId user, const store::QueueInfo& info);
  void requeue(const std::vector<core::UserId>& users);
  void note_lag_from_cursor(core::UserId user, const store::QueueInfo& info);

  store::QueueStore& queue_;
  store::HistoryStore& history_;
  const HistoryWriterOptions options_;
  Clock now_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  struct Waiting {
    core::UserId user;
    core::Timestamp due;  // when its user_delay is over
  };
  std::deque<core::UserId> dirty_;            // guarded by mu_: users the next pass takes
  std::deque<Waiting> waiting_;               // guarded by mu_: users in their delay, by due
  // Whether `w`'s delay is over at `now` (or the wall clock went back past it).
  bool waited(const Waiting& w, core::Timestamp now) const;
  std::unordered_set<core::UserId> queued_;   // guarded by mu_: the users in both
  bool stopping_ = false;                     // guarded by mu_
  Metrics metrics_;                           // guarded by mu_
  std::unordered_map<core::UserId, Lag> lag_;  // guarded by mu_: users seen behind

  std::unordered_map<core::UserId, Known> known_;  // writer thread only
  std::chrono::milliseconds backoff_{0};           // writer thread only
  std::thread thread_;
};

}  // namespace iris::sync
