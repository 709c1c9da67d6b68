#pragma once
// CommitQueue: the write operations waiting for a store's commit threads, handed out as
// groups such that no two groups in flight name a common user.
//
// Why disjoint users rather than seqs assigned in submission order across groups: a group's
// decisions (seqs, queue_full, share_full, cursors, idempotency) read its users' metas, and a
// group whose COMMIT failed has an unknown outcome (it may still commit: semi-sync). A later
// group that built on the failed one's seqs could commit with a gap, or must fail too; one
// that never shares a user with a group in flight reads only committed state, so each group
// is decided, committed and answered on its own, and a failure stays within its group.
// An operation names its queues' users and, for an append with an idempotency key, the key's
// sender, so a retry never runs beside its first attempt.
//
// Order: an operation is handed out only after every earlier operation that names one of its
// users was handed out, and a user stays held until its group's callbacks have run (done()),
// so callbacks are in submission order per user (not across users).
//
// Thread-safe (one mutex). Bounded: push() refuses beyond max_pending; take() hands out at
// most max_group operations and looks at most at max_scan waiting ones per call.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <vector>

#include "store/detail/queue_group.h"

namespace iris::store::detail {

class CommitQueue {
 public:
  struct Limits {
    std::size_t max_pending = 0;
    std::size_t max_group = 0;
    std::size_t max_scan = 0;  // >= max_group
  };
  // A group handed out: its operations in submission order and the users it holds.
  struct Taken {
    std::vector<QueueOp> ops;
    std::vector<std::uint64_t> users;
  };
  enum class Push { queued, full, closed };

  explicit CommitQueue(const Limits& limits) : limits_(limits) {}

  // Queues `op`; on full or closed, `op` is left to the caller to answer.
  Push push(QueueOp& op);
  // Waits for a group that holds no user held by a group in flight and returns it, holding
  // its users until done(). nullopt once closed and nothing waits (a thread's cue to end).
  std::optional<Taken> take();
  // The group's callbacks have run: its users are free for the next groups.
  void done(const Taken& taken);
  // Refuses further pushes; take() drains what waits, then answers nullopt.
  void close();

  // The users an operation names (its queues' and its idempotency key's sender).
  static void users_of(const QueueOp& op, std::vector<std::uint64_t>& out);

 private:
  const Limits limits_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<QueueOp> pending_;                // guarded by mu_
  std::unordered_set<std::uint64_t> held_;     // guarded by mu_: users of groups in flight
  bool closed_ = false;                        // guarded by mu_
};

}  // namespace iris::store::detail
