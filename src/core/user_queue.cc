#include "core/user_queue.h"

#include <algorithm>

#include "base/assert.h"
#include "core/errc.h"

namespace iris::core {

UserQueue::UserQueue(UserId user, Epoch epoch, QueueLimits limits)
    : user_(user), epoch_(epoch), limits_(limits) {}

Result<Seq> UserQueue::append(Update update) {
  if (updates_.size() >= limits_.max_length) return fail(errc::queue_full);
  head_ = next(head_);
  update.seq = head_;
  updates_.push_back(std::move(update));
  return head_;
}

Result<std::vector<Update>> UserQueue::read(Seq from, std::size_t max_count) const {
  if (from < first_retained()) return fail(errc::trimmed);
  if (from > head_) return std::vector<Update>{};
  const auto begin = updates_.begin() + static_cast<std::ptrdiff_t>(from.value() - first_retained().value());
  const auto n = static_cast<std::ptrdiff_t>(
      std::min<std::size_t>(max_count, static_cast<std::size_t>(updates_.end() - begin)));
  return std::vector<Update>(begin, begin + n);
}

bool UserQueue::must_resync(const DeviceId& device) const {
  const Seq at = cursors_.position(CursorName::device(device)).value_or(Seq{0});
  return core::must_resync(at, first_retained());
}

Result<std::size_t> UserQueue::trim_to(Seq up_to) {
  const auto storage = cursors_.position(CursorName::storage());
  if (!storage || *storage < up_to) return fail(errc::trim_past_storage_cursor);
  std::size_t dropped = 0;
  while (!updates_.empty() && updates_.front().seq <= up_to) {
    updates_.pop_front();
    ++dropped;
  }
  IRIS_ASSERT(updates_.empty() || updates_.front().seq == first_retained(), "queue has a gap");
  return dropped;
}

std::size_t UserQueue::trim(Timestamp now, const RetentionPolicy& policy) {
  const auto point = trim_point(updates_, cursors_.position(CursorName::storage()), now, policy);
  if (!point) return 0;
  auto dropped = trim_to(*point);
  IRIS_ASSERT(dropped.has_value(), "trim point is behind the storage cursor by construction");
  return *dropped;
}

}  // namespace iris::core
