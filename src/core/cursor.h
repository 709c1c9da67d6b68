#pragma once
// Cursors: named pointers into one user's queue. `device:<id>` for each device and `storage`
// for the history writer. A cursor's position is the last seq its consumer confirmed; it only
// moves forward, so a late or repeated confirmation (a redelivered batch acked twice) is
// harmless. An offline consumer stops only its own cursor.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "core/ids.h"

namespace iris::core {

// A cursor's name. Built through the factories so every name has one of the two shapes.
class CursorName {
 public:
  static CursorName storage() { return CursorName("storage"); }
  static CursorName device(const DeviceId& device) { return CursorName("device:" + device.value()); }
  // Parses a stored name: "storage" or "device:<non-empty id>"; anything else is invalid_name.
  static Result<CursorName> parse(std::string_view text);

  const std::string& str() const { return name_; }
  bool is_storage() const { return name_ == "storage"; }
  auto operator<=>(const CursorName&) const = default;

 private:
  explicit CursorName(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

// The cursors of one queue. Invariant: every position is <= the head it was advanced against.
class CursorSet {
 public:
  // Moves `name` to `to` if that is forward; returns the position after the call.
  // cursor_beyond_head if `to` > head. A cursor not yet known starts at Seq{0}.
  Result<Seq> advance(const CursorName& name, Seq to, Seq head);
  // Position of `name`, or nullopt if it was never advanced (or was dropped).
  std::optional<Seq> position(const CursorName& name) const;
  // Forgets a cursor (a device silent past retention no longer pins the queue).
  void drop(const CursorName& name) { positions_.erase(name); }
  const std::map<CursorName, Seq>& all() const { return positions_; }

 private:
  std::map<CursorName, Seq> positions_;
};

}  // namespace iris::core
