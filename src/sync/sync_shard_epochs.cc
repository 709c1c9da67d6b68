// SyncShard: following a change of every queue's epoch at run time (a failover of the
// replicated store that may have lost acknowledged writes; docs/REPLICATION.md, "The failover
// generation").
#include "sync/sync_shard.h"

#include <chrono>

#include "base/log.h"

namespace iris::sync {

void SyncShard::check_epoch_generation() {
  const std::uint64_t generation = store_.epoch_generation();
  if (generation == epoch_generation_) return;
  epoch_generation_ = generation;
  std::size_t resynced = 0;
  for (auto& [user, u] : users_) {
    // The new epoch's queue may differ from what we hold at any seq: nothing kept of the old
    // one may be served again.
    memory_.forget(user);
    u.inbox.reset();
    u.badge_pushed.reset();
    auto info = store_.info(user);
    u.queue = info ? *info : store::QueueInfo{};  // absent: read again at the next use
    for (ConnId conn : u.devices) {
      Device& d = devices_.at(conn);
      if (!d.stream) continue;
      d.stream.reset();
      wire::Resync r{wire::ResyncReason::epoch_changed, u.queue.epoch, u.queue.head, std::nullopt, std::nullopt};
      if (!info) {
        // The device resumes later with its old epoch and is then told epoch_changed.
        r.reason = wire::ResyncReason::temporary;
        r.retry_after = std::chrono::milliseconds{1000};
      }
      ++stats_.resyncs;
      ++resynced;
      push(conn, d, wire::Message{r}, std::nullopt);
    }
  }
  IRIS_LOG(warn, "sync",
           "shard {}: the queue store's epoch generation is {} now (a failover may have lost "
           "acknowledged writes): {} loaded users read again, {} streaming devices told to resync",
           shard_, generation, users_.size(), resynced);
}

}  // namespace iris::sync
