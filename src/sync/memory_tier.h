#pragma once
// MemoryTier: the recent tail of each active user's queue, kept in memory (DESIGN.md "Tiers
// by recency", tier 1), so live pushes and short catch-ups never read the store.
//
// Write-through: the send path adds each update after its append is durable, in seq order.
// Each user's tail is a gapless run ending at the newest update seen; an update that does
// not follow the tail restarts it. Memory is bounded twice: at most `max_per_user` updates
// per user (oldest dropped first) and at most `budget_bytes` in all, beyond which whole
// tails are evicted, least recently appended first. A read is answered only when memory
// holds the whole range; otherwise the caller reads the store. One instance per shard,
// touched only by that shard's thread.

#include <cstddef>
#include <deque>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/update.h"

namespace iris::sync {

struct MemoryTierOptions {
  // Total bytes of updates (estimated as sync::estimated_size) held per shard. Default 256 MiB:
  // at ~200 bytes an update, the last ~1.3 M updates of the shard's active users.
  std::size_t budget_bytes = 256u << 20;
  // Most updates per user. Default 4,096: covers a phone offline for hours in a busy inbox.
  std::size_t max_per_user = 4096;
};

class MemoryTier {
 public:
  explicit MemoryTier(MemoryTierOptions options) : options_(options) {}

  // Requires: `update.seq` is assigned. Called in seq order per user.
  void add(core::UserId user, const core::Update& update);
  // Updates [from, to] if all are in memory, else nullopt. Requires from <= to.
  std::optional<std::vector<core::Update>> read(core::UserId user, core::Seq from, core::Seq to) const;
  // Drops a user's tail (its queue was rebuilt, or trimmed past it).
  void forget(core::UserId user);

  std::size_t bytes() const { return bytes_; }
  std::size_t users() const { return tails_.size(); }

 private:
  struct Tail {
    std::deque<core::Update> updates;
    std::size_t bytes = 0;
    std::list<core::UserId>::iterator lru;  // position in lru_
  };
  void drop_front(Tail& tail);
  void evict_to_budget();

  MemoryTierOptions options_;
  std::unordered_map<core::UserId, Tail> tails_;
  std::list<core::UserId> lru_;  // front: most recently appended
  std::size_t bytes_ = 0;
};

}  // namespace iris::sync
