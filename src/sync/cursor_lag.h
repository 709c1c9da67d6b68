#pragma once
// How far a cursor trails its queue's head, in updates and in time: the lag metrics of the
// storage cursor (history writer) and of device cursors (retention trimmer). Pure.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

#include "core/ids.h"

namespace iris::sync {

struct CursorLag {
  std::uint64_t updates = 0;
  // Age of the oldest update the cursor has not consumed; zero when caught up.
  std::chrono::milliseconds age{0};
  bool operator==(const CursorLag&) const = default;
};

// `oldest_unconsumed` is the time of the first update after `cursor` (nullopt if unknown or
// caught up). A clock that stepped back gives age zero, never a negative one.
inline CursorLag cursor_lag(core::Seq head, core::Seq cursor,
                            std::optional<core::Timestamp> oldest_unconsumed, core::Timestamp now) {
  CursorLag lag;
  if (cursor >= head) return lag;
  lag.updates = head.value() - cursor.value();
  if (oldest_unconsumed && *oldest_unconsumed < now) {
    lag.age = std::chrono::duration_cast<std::chrono::milliseconds>(now - *oldest_unconsumed);
  }
  return lag;
}

// The worse of two lags, field by field (the metric is the worst cursor of a kind).
inline CursorLag worst(const CursorLag& a, const CursorLag& b) {
  return {std::max(a.updates, b.updates), std::max(a.age, b.age)};
}

}  // namespace iris::sync
