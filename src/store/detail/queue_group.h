#pragma once
// The queue stores' write rules, once for every backend with a commit thread (RocksDB,
// MariaDB), as history_rules.h is for the history stores: the operations a store queues
// (QueueOp) and QueueGroup, which decides one group commit's operations in submission order
// with the rules of store/queue_store.h through QueueTables, the few reads and writes a
// backend implements in its own storage:
//  - seqs per user gapless from the group's view of the queue's meta; a queue that did not
//    exist gets a random non-zero epoch at its first append;
//  - a request naming a user the backend may not append to (may_append: ownership fencing
//    in a cell) is refused whole with its error, before anything of it is written;
//  - a request over max_queue_length or over a sender's share (detail/sender_shares.h) is
//    refused whole, before anything of it is written;
//  - an idempotency key known to the store or to an earlier operation of the group appends
//    nothing and answers the first positions (`duplicate`);
//  - a cursor only moves forward and never past the head; a trim never passes the storage
//    cursor.
// The backend writes the group as one atomic commit, publishes metas() to its cache only if
// that commit succeeded, and then calls complete(): callbacks run in submission order, those
// of written operations failing with the commit's error.
//
// Not thread-safe: a group lives on the thread that commits it; `shares` and `rng` are the
// store's, shared by its groups (see each store for who guards them).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "base/result.h"
#include "store/detail/record_codec.h"
#include "store/detail/sender_shares.h"
#include "store/queue_store.h"
#include "store/store_options.h"

namespace iris::store::detail {

struct AppendOp {
  AppendRequest request;
  QueueStore::AppendCallback done;
};
struct CursorOp {
  UserId user;
  CursorName name;
  Seq to;
  QueueStore::SeqCallback done;
};
struct TrimOp {
  UserId user;
  Seq up_to;
  QueueStore::CountCallback done;
};
// Removes pending fan-out rows (QueueStore::async_confirm_fanout).
struct FanoutDoneOp {
  std::vector<FanoutRow> rows;
  QueueStore::DoneCallback done;
};
using QueueOp = std::variant<AppendOp, CursorOp, TrimOp, FanoutDoneOp>;

// Answers every operation with `ec` without deciding it (a store that refuses writes).
void fail_all(std::vector<QueueOp>& ops, std::error_code ec);

// What a group reads of the committed store and writes into its one commit.
class QueueTables {
 public:
  virtual ~QueueTables() = default;
  // Committed state. A backend may answer from its cache or from what it read ahead.
  // The meta of a queue that does not exist is Meta{} (epoch 0).
  virtual Result<Meta> meta(UserId user) = 0;
  virtual Result<std::optional<Seq>> cursor(UserId user, const CursorName& name) = 0;
  virtual Result<std::optional<IdempotencyRecord>> record(const IdempotencyKey& key) = 0;
  // The actors of `user`'s committed updates from `first` on (the sender shares' scan).
  virtual Result<SenderShares::Counts> count_actors(UserId user, Seq first) = 0;
  // Whether this store may append to `user`'s queue: ok, or the refusal (store::errc::
  // not_owner when another server holds the user: docs/CLUSTER.md "Ownership and fencing").
  // Backends with a single writer keep the default.
  virtual Result<void> may_append(UserId /*user*/) { return {}; }

  // Writes, called in the order the commit must apply them (a trim deletes the updates the
  // group appended before it).
  virtual void put_update(UserId user, Seq seq, UserId actor, std::string_view record) = 0;
  virtual void delete_updates(UserId user, Seq first, Seq last) = 0;
  // Called by finish(), once per changed meta and cursor, after every other write.
  virtual void put_meta(UserId user, const Meta& meta) = 0;
  virtual void put_cursor(UserId user, const CursorName& name, Seq seq) = 0;
  virtual void put_record(const IdempotencyKey& key, std::string_view record) = 0;
  // A pending fan-out row (FanoutNote) and its removal; only asked of a backend whose
  // QueueRules::max_fanout_recipients is not 0.
  virtual void put_fanout(UserId /*sender*/, Seq /*seq*/, const std::vector<UserId>& /*recipients*/,
                          std::string_view /*record*/) {}
  virtual void delete_fanout(UserId /*sender*/, Seq /*seq*/) {}
};

struct QueueRules {
  std::uint64_t max_queue_length = 0;  // StoreOptions::max_queue_length
  // Longest cursor name the backend can store; a longer one is invalid_request. 0: any.
  std::size_t max_cursor_name = 0;
  // Most recipients of one FanoutNote the backend can store; 0: it records no fan-out, and
  // an append with a note is invalid_request.
  std::size_t max_fanout_recipients = 0;
};

class QueueGroup {
 public:
  // Requires: shares, rng and tables outlive this object.
  QueueGroup(const QueueRules& rules, SenderShares& shares, std::mt19937_64& rng, QueueTables& tables)
      : rules_(rules), shares_(shares), rng_(rng), tables_(tables) {}

  // Decides `op` (its callback is kept for complete()).
  void apply(QueueOp& op);
  // Writes the metas and cursors the group changed; after the last apply().
  void finish();
  // Whether the group wrote anything (otherwise there is nothing to commit).
  bool has_writes() const { return writes_ > 0; }
  // The metas as the group leaves them (queues it created or changed, and those it read).
  const std::unordered_map<UserId, Meta>& metas() const { return metas_; }
  // Runs every operation's callback in submission order. `write_error`: the commit failed.
  void complete(std::error_code write_error);

 private:
  using CursorKey = std::pair<UserId, std::string>;
  void apply(AppendOp& op);
  void apply(CursorOp& op);
  void apply(TrimOp& op);
  void apply(FanoutDoneOp& op);
  Result<Meta*> meta_for(UserId user, bool create);
  Result<std::optional<Seq>> cursor_for(UserId user, const CursorName& name);

  template <typename T, typename Callback>
  void complete_now(Callback& done, Result<T> result) {
    completions_.push_back([done = std::move(done), result = std::move(result)](std::error_code) mutable {
      done(std::move(result));
    });
  }
  template <typename T, typename Callback>
  void complete_after_write(Callback& done, T value) {
    completions_.push_back([done = std::move(done), value = std::move(value)](std::error_code ec) mutable {
      if (ec) done(fail(ec));
      else done(std::move(value));
    });
  }

  const QueueRules rules_;
  SenderShares& shares_;
  std::mt19937_64& rng_;
  QueueTables& tables_;

  std::unordered_map<UserId, Meta> metas_;
  std::unordered_map<UserId, bool> dirty_;  // metas to write back
  std::map<CursorKey, Seq> cursors_;        // read, then as the group moves them
  std::map<CursorKey, CursorName> cursors_dirty_;  // cursors to write back
  std::unordered_map<IdempotencyKey, AppendResult, core::IdempotencyKeyHash> keys_;  // this group's
  std::vector<std::function<void(std::error_code)>> completions_;
  std::size_t writes_ = 0;
  std::string scratch_;
};

}  // namespace iris::store::detail
