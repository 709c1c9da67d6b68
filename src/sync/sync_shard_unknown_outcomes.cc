// SyncShard: appends it learns of only later. A send answered `unavailable` may still have
// committed (the COMMIT's answer was lost, or it waited past the timeout for the semi-sync
// replica); the shard never saw it, so devices that were caught up would learn of it only
// with the next append. The client's retry finds it committed (the idempotency record) and
// tells the owners of its queues, which take what they missed from the store. A resume does
// the same when the store's head is past the shard's (catch_up_with_store): in a cell another
// server may have appended to the queue while it owned the user.
#include "sync/sync_shard.h"

#include <algorithm>

namespace iris::sync {

namespace {
// Most updates one such catch-up reads into the shard at once; anything older that was also
// missed reaches streaming devices from the store (their stream sees the head move).
constexpr std::uint64_t kMaxUnseenRead = 256;
}  // namespace

void SyncShard::catch_up_with_store(core::UserId user, const store::QueueInfo& info) {
  auto it = users_.find(user);
  if (it == users_.end()) return;
  User& u = it->second;
  if (info.epoch == u.queue.epoch) return on_known_committed(user, info.head);
  // Another incarnation of the queue: nothing kept of this one may be served again (as for a
  // failover generation, sync_shard_epochs.cc); the next use loads it from the store.
  memory_.forget(user);
  u.inbox.reset();
  u.badge_pushed.reset();
  u.queue = info;
}

void SyncShard::on_known_committed(core::UserId user, core::Seq seq) {
  check_epoch_generation();
  auto it = users_.find(user);
  if (it == users_.end()) return;  // nobody here holds this user's state
  // A queue the shard saw as absent may have been created by the unseen append itself.
  const std::uint64_t head = it->second.queue.exists() ? it->second.queue.head.value() : 0;
  if (seq.value() <= head) return;
  const core::Seq from{std::max(head + 1, seq.value() + 1 - std::min(seq.value(), kMaxUnseenRead))};
  auto unseen = store_.read(user, from, seq.value() - from.value() + 1);
  if (!unseen) return;  // the next append or resume reads it from the store
  for (const auto& update : *unseen) on_appended(user, update);
  if (appended_) appended_(user);
}

}  // namespace iris::sync
