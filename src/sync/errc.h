#pragma once
// Errors of the sync service; sync/error_mapping maps them to wire error codes (and net/ to
// MQTT reason codes) in one place each.

#include <system_error>

namespace iris::sync {

enum class errc {
  // The sender is not a participant of the thread it writes to.
  not_participant = 1,
  // No thread with that id is in the sender's inbox.
  unknown_thread,
  // A message body, thread name or participant list is over its configured limit.
  too_large,
  // A request that cannot be valid (empty thread name list, duplicate thread id ...).
  invalid_request,
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

}  // namespace iris::sync

template <>
struct std::is_error_code_enum<iris::sync::errc> : std::true_type {};
