#pragma once
// UserQueue: one user's totally ordered queue of updates, as a pure in-memory model.
//
// It is the reference the durable stores are tested against, and the shape the sync service's
// memory tier keeps. Not thread-safe: a queue is touched only by its owner shard.
//
// Invariants:
//  - retained updates are exactly seqs [first_retained, head], gapless, in order;
//  - head only grows; first_retained only grows and is <= head + 1;
//  - no cursor is past head; the storage cursor is never behind the last trimmed seq.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <vector>

#include "base/result.h"
#include "core/cursor.h"
#include "core/ids.h"
#include "core/retention.h"
#include "core/update.h"

namespace iris::core {

struct QueueLimits {
  // Most updates a queue may retain. An append past it is refused with errc::queue_full
  // (never silently dropped). Default: effectively unlimited; the server config sets one.
  std::uint64_t max_length = std::numeric_limits<std::uint64_t>::max();
};

class UserQueue {
 public:
  UserQueue(UserId user, Epoch epoch, QueueLimits limits = {});

  UserId user() const { return user_; }
  Epoch epoch() const { return epoch_; }
  Seq head() const { return head_; }
  Seq first_retained() const { return Seq{head_.value() + 1 - updates_.size()}; }
  std::size_t size() const { return updates_.size(); }

  // Appends `update` at head + 1 (its seq field is overwritten); returns that seq.
  // queue_full if the queue already retains max_length updates.
  Result<Seq> append(Update update);

  // Copies of up to `max_count` updates starting at `from`. trimmed if from < first_retained;
  // empty when from > head.
  Result<std::vector<Update>> read(Seq from, std::size_t max_count) const;

  Result<Seq> advance_cursor(const CursorName& name, Seq to) { return cursors_.advance(name, to, head_); }
  const CursorSet& cursors() const { return cursors_; }
  void drop_cursor(const CursorName& name) { cursors_.drop(name); }

  // True when `device`'s cursor has fallen behind the first retained seq. A device with no
  // cursor yet counts as at Seq{0}.
  bool must_resync(const DeviceId& device) const;

  // Drops updates up to and including `up_to`. trim_past_storage_cursor if the storage
  // cursor has not passed `up_to`. Returns how many were dropped.
  Result<std::size_t> trim_to(Seq up_to);
  // Applies the retention rule at `now`; returns how many updates were dropped.
  std::size_t trim(Timestamp now, const RetentionPolicy& policy);

 private:
  UserId user_;
  Epoch epoch_;
  QueueLimits limits_;
  Seq head_{0};
  std::deque<Update> updates_;  // seqs first_retained() .. head_
  CursorSet cursors_;
};

}  // namespace iris::core
