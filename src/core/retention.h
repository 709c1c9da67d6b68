#pragma once
// The retention rule, as pure functions over a queue's retained updates.
//
// An update may be trimmed only when BOTH hold: it is older than the retention window, and
// the `storage` cursor has passed it (the history tier has it). Trimming always removes a
// prefix, so one young update stops the trim at that point even if later ones are older
// (clock steps backwards between owners). A device whose cursor is behind the first retained
// seq has lost updates and must resync.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

#include "core/ids.h"
#include "core/update.h"

namespace iris::core {

struct RetentionPolicy {
  // How long an update stays in the queue at least. Default 7 days (DESIGN.md). Longer
  // windows let devices stay offline longer without a resync, at the cost of disk.
  std::chrono::milliseconds window = std::chrono::hours(24 * 7);
  // Most updates a queue keeps once the storage cursor has passed them, whatever their age;
  // 0 = no cap. Bounds one chatty user's disk use without waiting for the window. Default 0.
  std::uint64_t max_length = 0;
};

// Whether the update at (`seq`, `time`) passes both halves of the rule.
// `storage` is the storage cursor's position (nullopt: never advanced, nothing trims).
inline bool may_trim(Seq seq, Timestamp time, std::optional<Seq> storage, Timestamp now,
                     const RetentionPolicy& policy) {
  return storage && seq <= *storage && time + policy.window <= now;
}

// The highest seq that may be trimmed (the end of the longest prefix passing may_trim), or
// nullopt if none may. Requires: `retained` holds the queue's retained updates in seq order.
template <typename Range>
std::optional<Seq> trim_point(const Range& retained, std::optional<Seq> storage, Timestamp now,
                              const RetentionPolicy& policy) {
  std::optional<Seq> point;
  for (const Update& u : retained) {
    if (!may_trim(u.seq, u.time, storage, now, policy)) break;
    point = u.seq;
  }
  return point;
}

// The highest seq to trim so that at most `policy.max_length` updates remain, never past
// the storage cursor (the cap trims only what history already holds), or nullopt.
// `first_retained` and `head` describe the queue as QueueInfo does.
inline std::optional<Seq> length_trim_point(Seq first_retained, Seq head, std::optional<Seq> storage,
                                            const RetentionPolicy& policy) {
  if (policy.max_length == 0 || !storage || head.value() < first_retained.value()) return std::nullopt;
  const std::uint64_t retained = head.value() - first_retained.value() + 1;
  if (retained <= policy.max_length) return std::nullopt;
  const Seq want{head.value() - policy.max_length};
  const Seq point = std::min(want, *storage);
  if (point < first_retained) return std::nullopt;
  return point;
}

// True when a device that confirmed up to `device_cursor` can no longer catch up from the
// queue because updates after it were trimmed.
inline bool must_resync(Seq device_cursor, Seq first_retained) {
  return device_cursor.value() + 1 < first_retained.value();
}

}  // namespace iris::core
