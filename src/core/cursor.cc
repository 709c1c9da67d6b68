#include "core/cursor.h"

#include "core/errc.h"

namespace iris::core {

Result<CursorName> CursorName::parse(std::string_view text) {
  if (text == "storage") return storage();
  constexpr std::string_view kDevicePrefix = "device:";
  if (text.size() > kDevicePrefix.size() && text.starts_with(kDevicePrefix)) {
    return device(DeviceId{std::string(text.substr(kDevicePrefix.size()))});
  }
  return fail(errc::invalid_name);
}

Result<Seq> CursorSet::advance(const CursorName& name, Seq to, Seq head) {
  if (to > head) return fail(errc::cursor_beyond_head);
  auto [it, inserted] = positions_.try_emplace(name, to);
  if (!inserted && to > it->second) it->second = to;
  return it->second;
}

std::optional<Seq> CursorSet::position(const CursorName& name) const {
  auto it = positions_.find(name);
  if (it == positions_.end()) return std::nullopt;
  return it->second;
}

}  // namespace iris::core
