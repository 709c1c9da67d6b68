#include "core/idempotency.h"

#include <iterator>

namespace iris::core {

const IdempotencyRecord* IdempotencyTable::find(const IdempotencyKey& key) const {
  auto it = records_.find(key);
  return it == records_.end() ? nullptr : &it->second;
}

bool IdempotencyTable::remember(const IdempotencyKey& key, IdempotencyRecord record) {
  return records_.try_emplace(key, std::move(record)).second;
}

std::size_t IdempotencyTable::expire_before(Timestamp cutoff) {
  return std::erase_if(records_, [&](const auto& kv) { return kv.second.time < cutoff; });
}

}  // namespace iris::core
