#pragma once
// Idempotent sends. A send is identified by (sender, client id); the first send's result is
// remembered, and a retry with the same pair returns it and appends nothing. Records live at
// least as long as the queue retains the updates they name (see expire_before).

#include <cstddef>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/ids.h"

namespace iris::core {

struct IdempotencyKey {
  UserId sender;
  ClientMsgId client_id;
  bool operator==(const IdempotencyKey&) const = default;
};

// Where one append put an update: which user's queue, at which seq.
struct QueuePosition {
  UserId user;
  Seq seq;
  bool operator==(const QueuePosition&) const = default;
};

// The remembered result of the first send with a key.
struct IdempotencyRecord {
  Timestamp time;                        // when the first send was accepted
  std::vector<QueuePosition> positions;  // one per queue it was appended to
  bool operator==(const IdempotencyRecord&) const = default;
};

struct IdempotencyKeyHash {
  std::size_t operator()(const IdempotencyKey& k) const noexcept {
    return std::hash<UserId>{}(k.sender) * 31 + std::hash<ClientMsgId>{}(k.client_id);
  }
};

// In-memory table of records; the store persists the same records durably.
class IdempotencyTable {
 public:
  const IdempotencyRecord* find(const IdempotencyKey& key) const;
  // Remembers the first result for `key`; returns false (and keeps the old one) if known.
  bool remember(const IdempotencyKey& key, IdempotencyRecord record);
  // Forgets records accepted before `cutoff`; returns how many.
  std::size_t expire_before(Timestamp cutoff);
  std::size_t size() const { return records_.size(); }

 private:
  std::unordered_map<IdempotencyKey, IdempotencyRecord, IdempotencyKeyHash> records_;
};

}  // namespace iris::core
