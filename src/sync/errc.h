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
  // A request that cannot be valid (no change in a participant change, a participant id of
  // 0 or 2^64-1 or listed twice, a read receipt past the thread's newest message ...).
  invalid_request,
  // The requester is a participant but the thread's rules do not let it do this: removing
  // another participant without being the thread's owner (request_planner.h).
  not_allowed,
  // Over a request rate limit of the user or its connection (request_rates.h).
  rate_limited,
  // The message a MessageActionRequest names is not in the thread (never was, or was unsent
  // or deleted for the requester): message_edits.h.
  unknown_message,
  // An edit or unsend past RequestLimits::edit_window after the message was sent.
  too_late,
  // A fan-out frame of the cell link names a recipient this server does not own now (the
  // sender's ring is newer or older than ours): the forwarder re-plans and sends again.
  not_owner,
  // A cell link frame that does not decode: truncated, over its limits, or malformed
  // (fanout_frame.h). The peer is disconnected.
  bad_frame,
  // A cell link frame of a version this server does not speak. The peer is disconnected.
  unknown_frame_version,
  // A recipient does not take this from the requester (core/social_policy.h): it blocked
  // the requester, or its group-add setting does not admit it. Which one is not said.
  not_accepted,
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

}  // namespace iris::sync

template <>
struct std::is_error_code_enum<iris::sync::errc> : std::true_type {};
