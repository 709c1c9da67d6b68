#include "sync/memory_tier.h"

#include "sync/delta_batcher.h"

namespace iris::sync {

void MemoryTier::add(core::UserId user, const core::Update& update) {
  auto [it, fresh] = tails_.try_emplace(user);
  Tail& tail = it->second;
  if (fresh) {
    lru_.push_front(user);
    tail.lru = lru_.begin();
  } else {
    lru_.splice(lru_.begin(), lru_, tail.lru);
  }
  if (!tail.updates.empty() && core::next(tail.updates.back().seq) != update.seq) {
    while (!tail.updates.empty()) drop_front(tail);  // a gap: restart the run here
  }
  tail.updates.push_back(update);
  const std::size_t size = estimated_size(update);
  tail.bytes += size;
  bytes_ += size;
  while (tail.updates.size() > options_.max_per_user) drop_front(tail);
  evict_to_budget();
}

void MemoryTier::drop_front(Tail& tail) {
  const std::size_t size = estimated_size(tail.updates.front());
  tail.bytes -= size;
  bytes_ -= size;
  tail.updates.pop_front();
}

void MemoryTier::evict_to_budget() {
  // Never evict the user just appended to (the front): its tail is the hottest.
  while (bytes_ > options_.budget_bytes && lru_.size() > 1) forget(lru_.back());
}

void MemoryTier::forget(core::UserId user) {
  auto it = tails_.find(user);
  if (it == tails_.end()) return;
  bytes_ -= it->second.bytes;
  lru_.erase(it->second.lru);
  tails_.erase(it);
}

std::optional<std::vector<core::Update>> MemoryTier::read(core::UserId user, core::Seq from,
                                                          core::Seq to) const {
  auto it = tails_.find(user);
  if (it == tails_.end() || it->second.updates.empty()) return std::nullopt;
  const auto& q = it->second.updates;
  if (from < q.front().seq || to > q.back().seq) return std::nullopt;
  const auto begin = q.begin() + static_cast<std::ptrdiff_t>(from.value() - q.front().seq.value());
  return std::vector<core::Update>(begin, begin + static_cast<std::ptrdiff_t>(to.value() - from.value() + 1));
}

}  // namespace iris::sync
