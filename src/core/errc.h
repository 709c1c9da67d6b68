#pragma once
// Errors of the queue model (core). Mapped to wire codes by sync/ and net/, in one place each.

#include <system_error>

namespace iris::core {

enum class errc {
  // An append would take the queue past its configured maximum length.
  queue_full = 1,
  // A cursor was asked to move past the queue's head.
  cursor_beyond_head,
  // A trim would drop updates the `storage` cursor has not yet passed.
  trim_past_storage_cursor,
  // A read asked for updates that were already trimmed (before the first retained seq).
  trimmed,
  // A cursor or device name is empty or malformed.
  invalid_name,
  // An append would give one user's updates more than its share of another user's queue
  // (StoreOptions::max_sender_share): only that sender is refused.
  share_full,
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

}  // namespace iris::core

template <>
struct std::is_error_code_enum<iris::core::errc> : std::true_type {};
