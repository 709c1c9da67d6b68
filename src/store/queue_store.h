#pragma once
// QueueStore: the durable tier of every user's queue (DESIGN.md "Tiers by recency", tier 2).
//
// Contract shared by every backend (tests/queue_store_conformance_test.cc checks it):
//  - An append is atomic across all the queues it names, and its callback reports success
//    only once it is on stable storage. Seqs are assigned by the store: per user gapless,
//    starting at 1.
//  - An append with an idempotency key that the store already holds appends nothing and
//    returns the first append's positions with `duplicate = true`.
//  - An append that would take a queue past StoreOptions::max_queue_length is refused whole
//    with core::errc::queue_full.
//  - An append that would give one user's updates (by Update::actor) more than
//    StoreOptions::max_sender_share of another user's queue is refused whole with
//    core::errc::share_full (detail/sender_shares.h: exact up to one group commit).
//  - Cursors only move forward and never past the head; trims never pass the storage cursor.
//  - Reads may run on any thread, concurrently with writes; they see only committed state.
//  - Ownership fencing (docs/CLUSTER.md "Ownership and fencing"), in a store that supports it
//    and was told its owner name (fence_as): a claim (user, term) succeeds when the term is
//    above the user's stored one or this owner already holds the user; every append refuses,
//    with errc::not_owner, a request naming a user held by another owner. Other stores have
//    one writer: fence_as and claims succeed and change nothing.
//
// Threading: writes are queued to the backend's commit thread(s), which group concurrent
// operations into one synced write (group commit). Callbacks run on a commit thread, exactly
// once each, in submission order for the operations naming a common user (RocksDB and the
// model: in submission order overall; MariaDB commits several groups of disjoint users at
// once, so callbacks of different users may run concurrently on different threads). They must
// not block (post the result to your own thread) and must be safe to call from any thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "core/cursor.h"
#include "core/idempotency.h"
#include "core/ids.h"
#include "core/update.h"
#include "store/commit_latency.h"

namespace iris::store {

using core::CursorName;
using core::Epoch;
using core::IdempotencyKey;
using core::IdempotencyRecord;
using core::QueuePosition;
using core::Seq;
using core::Update;
using core::UserId;

// Where a queue stands. A queue that was never appended to has epoch 0, first 1, head 0.
struct QueueInfo {
  Epoch epoch;
  Seq first_retained{1};
  Seq head{0};
  bool exists() const { return epoch.value() != 0; }
  bool operator==(const QueueInfo&) const = default;
};

struct AppendEntry {
  UserId user;
  Update update;  // update.seq is ignored: the store assigns it
};

// The share of an append that other servers of a cell deliver (docs/CLUSTER.md "Sends across
// servers"): `recipients` are participants this server does not own. The store records it,
// in the same transaction as the entries, as a pending fan-out row keyed by `sender`'s seq of
// the append (`sender` must be one of the entries' users; its first entry counts), holding
// the recipients and the update. The row stays until confirm_fanout removes it, so whoever
// owns `sender` after any crash finds what is not yet confirmed (pending_fanout).
struct FanoutNote {
  UserId sender;
  std::vector<UserId> recipients;  // one or more, none of them among the entries' users
};

// A pending fan-out row's key: the sender and its seq of the append.
struct FanoutRow {
  UserId sender;
  Seq seq;
  bool operator==(const FanoutRow&) const = default;
};

struct AppendRequest {
  std::vector<AppendEntry> entries;  // one or more; may name several users, one user several times
  std::optional<IdempotencyKey> idempotency;
  // Only on a store whose records_fanout() is true; others refuse the append whole
  // (errc::invalid_request). A duplicate (idempotency key known) records nothing again.
  std::optional<FanoutNote> fanout;
};

// A pending fan-out row (FanoutNote): `update` as the sender's queue holds it (its seq is the
// sender's), still to be appended to each of `recipients` by their owners.
struct PendingFanout {
  UserId sender;
  Update update;
  std::vector<UserId> recipients;
  bool operator==(const PendingFanout&) const = default;
};

struct AppendResult {
  std::vector<QueuePosition> positions;  // one per entry, in request order
  bool duplicate = false;                // the key was known: positions are the first append's
  bool operator==(const AppendResult&) const = default;
};

class QueueStore {
 public:
  using AppendCallback = std::function<void(Result<AppendResult>)>;
  using SeqCallback = std::function<void(Result<Seq>)>;
  using CountCallback = std::function<void(Result<std::size_t>)>;
  using VoidCallback = std::function<void(Result<void>)>;

  virtual ~QueueStore() = default;

  virtual void async_append(AppendRequest request, AppendCallback done) = 0;
  // Moves `name` forward to `to`; reports the cursor's position afterwards.
  virtual void async_advance_cursor(UserId user, CursorName name, Seq to, SeqCallback done) = 0;
  // Drops `user`'s updates up to and including `up_to`; reports how many were dropped.
  virtual void async_trim_to(UserId user, Seq up_to, CountCallback done) = 0;

  // From now on this store appends and claims as `owner` (a cell member's name, at most 255
  // bytes): appends are checked against the owner rows. Call once, before the first claim.
  // invalid_request for an empty or longer name. Default (a store with a single writer): ok.
  virtual Result<void> fence_as(const std::string& owner);
  // Claims `user` for this store's owner at `term` (the ring's membership version that gave
  // it the user). Waits for an append of the previous owner that holds the user's row; once
  // claimed, the store reads the queue's head and epoch again. errc::not_owner when another
  // owner holds the user at a term >= `term`. Default: succeeds (nothing to fence).
  virtual void async_claim(UserId user, std::uint64_t term, VoidCallback done);
  // Pending fan-out (FanoutNote). Stores that hold the queues of a whole cell (MariaDB; the
  // in-memory model for tests) record it; the others answer false and refuse a FanoutNote.
  virtual bool records_fanout() const { return false; }
  using DoneCallback = std::function<void(Result<void>)>;
  // Removes the pending rows: every recipient's owner confirmed its append. One call for
  // many rows, so a server's confirmations cost one write, not one each. Removing a row that
  // is gone succeeds (a confirmation repeated after a re-send).
  virtual void async_confirm_fanout(std::vector<FanoutRow> rows, DoneCallback done);
  // Pending rows after (after_sender, after_seq) in (sender, seq) order, at most `max_count`:
  // how a server walks what is not yet confirmed.
  virtual Result<std::vector<PendingFanout>> pending_fanout(UserId after_sender, Seq after_seq,
                                                            std::size_t max_count) const;

  virtual Result<QueueInfo> info(UserId user) const = 0;
  // Up to `max_count` updates from `from` on. core::errc::trimmed if from < first_retained.
  virtual Result<std::vector<Update>> read(UserId user, Seq from, std::size_t max_count) const = 0;
  virtual Result<std::optional<Seq>> cursor(UserId user, const CursorName& name) const = 0;
  virtual Result<std::vector<std::pair<CursorName, Seq>>> cursors(UserId user) const = 0;
  virtual Result<std::optional<IdempotencyRecord>> find(const IdempotencyKey& key) const = 0;
  // Users that have a queue, in increasing id order, from just after `after` on, at most
  // `max_count`: how background work (history writer, retention) walks every queue.
  virtual Result<std::vector<UserId>> users(UserId after, std::size_t max_count) const = 0;

  // Health and commit latency, readable from any thread. The default (a store with no
  // commit thread, e.g. the in-memory model): always writable, no latency histogram.
  virtual StoreStats stats() const { return {}; }

  // A number that changes whenever every queue's epoch may have changed at once (MariaDB: a
  // failover that could have lost acknowledged writes raised the failover generation). A
  // reader that keeps epochs (a sync shard's loaded users) reads info() again for each queue
  // when it sees a new value, so no device goes on at an epoch the store no longer reports.
  // Updated whenever the store learns it (MariaDB: every group commit, every info(), and the
  // pair watch); an atomic read, from any thread. Default: never changes.
  virtual std::uint64_t epoch_generation() const { return 0; }

  // Blocking forms of the async operations, for tools, tests and startup code. Never call
  // them from a store callback or an event-loop thread.
  Result<AppendResult> append(AppendRequest request);
  Result<Seq> advance_cursor(UserId user, const CursorName& name, Seq to);
  Result<std::size_t> trim_to(UserId user, Seq up_to);
  Result<void> claim(UserId user, std::uint64_t term);
};

}  // namespace iris::store
