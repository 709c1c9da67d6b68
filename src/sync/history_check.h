#pragma once
// The convergence check of the history tier: does history hold exactly what the queue does,
// update by update? Used by tests after an outage, by `scripts/bench history`, and by
// operators after an incident. Reads both stores; changes nothing.

#include <optional>
#include <string>

#include "base/result.h"
#include "store/history_store.h"
#include "store/queue_store.h"

namespace iris::sync {

struct HistoryCheck {
  core::Seq queue_head{0};
  core::Seq history_seq{0};
  std::uint64_t compared = 0;  // updates compared one by one (the retained part of the queue)
  // The first seq where the two differ (or one lacks an update the other has), if any.
  std::optional<core::Seq> first_difference;
  // History has everything the queue has, and each retained update is identical (or is the
  // queue's create or edit of a message unsent since, without its content: core::strip_unsent).
  bool converged() const { return !first_difference && history_seq == queue_head; }
};

// Compares `user`'s retained queue with history. Requires: no writes to this user meanwhile
// (the answer is of one moment only when nothing moves).
Result<HistoryCheck> check_history(const store::QueueStore& queue,
                                   const store::HistoryStore& history, core::UserId user);

}  // namespace iris::sync
