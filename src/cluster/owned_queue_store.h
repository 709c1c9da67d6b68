#pragma once
// OwnedQueueStore: a cell member's queue store (docs/CLUSTER.md "Ownership and fencing"). It
// wraps the store that irisd opened (told its owner name with fence_as) and claims, before an
// append reaches it, every user of the append that the current ring gives this server and
// that it has not claimed at the ring's version yet: the claim's term is that version, so a
// server with an older ring (paused, partitioned) can never take a user back, and after each
// ring change a user is claimed again at its first append. Appends for users of other owners
// pass unchanged: the store's owner rows decide.
//
// The claim runs on the store's commit thread and the append is submitted from its callback,
// so nothing waits on an event-loop thread; appends of one user keep their submission order
// (claims complete in submission order, and the cache says "claimed" only once the waiting
// append was passed on). A claim refused (errc::not_owner: another server holds the user at a
// newer term) fails the append and is remembered for that ring version: `refused` says so,
// and the server answers the user's devices `unavailable` (CONNACK 0x88) until the ring moves.
//
// Thread-safe: any shard thread may call it. Memory: one small entry per user claimed since
// start (a user served here once).

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "cluster/cell_view.h"
#include "store/queue_store.h"

namespace iris::cluster {

class OwnedQueueStore final : public store::QueueStore {
 public:
  // The ring as this server sees it now; null before the server joined its cell.
  using SnapshotSource = std::function<std::shared_ptr<const CellSnapshot>()>;
  // `inner` must outlive this store.
  OwnedQueueStore(store::QueueStore& inner, SnapshotSource snapshot);

  void async_append(store::AppendRequest request, AppendCallback done) override;
  void async_advance_cursor(core::UserId user, core::CursorName name, core::Seq to, SeqCallback done) override {
    inner_.async_advance_cursor(user, std::move(name), to, std::move(done));
  }
  void async_trim_to(core::UserId user, core::Seq up_to, CountCallback done) override {
    inner_.async_trim_to(user, up_to, std::move(done));
  }
  Result<void> fence_as(const std::string& owner) override { return inner_.fence_as(owner); }
  void async_claim(core::UserId user, std::uint64_t term, VoidCallback done) override;
  // Fan-out rows are written by the sender's append (claimed above like any append); reading
  // and confirming them appends to no queue, so they pass unchanged.
  bool records_fanout() const override { return inner_.records_fanout(); }
  void async_confirm_fanout(std::vector<store::FanoutRow> rows, DoneCallback done) override {
    inner_.async_confirm_fanout(std::move(rows), std::move(done));
  }
  Result<std::vector<store::PendingFanout>> pending_fanout(core::UserId after_sender, core::Seq after_seq,
                                                           std::size_t max_count) const override {
    return inner_.pending_fanout(after_sender, after_seq, max_count);
  }

  Result<store::QueueInfo> info(core::UserId user) const override { return inner_.info(user); }
  Result<std::vector<core::Update>> read(core::UserId user, core::Seq from, std::size_t max_count) const override {
    return inner_.read(user, from, max_count);
  }
  Result<std::optional<core::Seq>> cursor(core::UserId user, const core::CursorName& name) const override {
    return inner_.cursor(user, name);
  }
  Result<std::vector<std::pair<core::CursorName, core::Seq>>> cursors(core::UserId user) const override {
    return inner_.cursors(user);
  }
  Result<std::optional<core::IdempotencyRecord>> find(const core::IdempotencyKey& key) const override {
    return inner_.find(key);
  }
  Result<std::vector<core::UserId>> users(core::UserId after, std::size_t max_count) const override {
    return inner_.users(after, max_count);
  }
  store::StoreStats stats() const override { return inner_.stats(); }
  // The shards read the pair's failover generation through this store: a promotion changes
  // every queue's epoch, and a cell member's devices must resync like a single server's.
  std::uint64_t epoch_generation() const override { return inner_.epoch_generation(); }

  // Starts claiming `user` at `snapshot`'s version unless it is claimed (or being claimed)
  // at it already: a device of the user just connected, so its first send finds it claimed.
  void claim_ahead(core::UserId user, const CellSnapshot& snapshot);
  // The user's claim at `version` was refused: another server holds it at a newer term.
  bool refused(core::UserId user, std::uint64_t version) const;
  // Forgets what is known of `user`'s claim, so its next append (or device) claims it again,
  // which makes the store read its queue again: the user's rows were replaced underneath
  // (moved away to another cell, or back: docs/CLUSTER.md "Moving a user to another cell").
  void forget(core::UserId user);

 private:
  enum class State { pending, claimed, refused };
  struct Entry {
    std::uint64_t version = 0;
    State state = State::pending;
  };
  void record(core::UserId user, std::uint64_t version, const Result<void>& outcome);

  store::QueueStore& inner_;
  SnapshotSource snapshot_;
  mutable std::mutex mu_;
  std::unordered_map<core::UserId, Entry> claims_;  // guarded by mu_
};

}  // namespace iris::cluster
