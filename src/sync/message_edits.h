#pragma once
// Plans a MessageActionRequest (edit, unsend, delete for me, react: docs/PROTOCOL.md "Edits,
// unsends and reactions") into the durable append that carries it out, like
// request_planner.h does for sends: authorized against the requester's own inbox, one
// atomic AppendRequest keyed by (requester, client id) so that a retry appends nothing.
// Pure: time comes in.
//
// Rules:
//  - the requester is a participant of the thread (errc::not_participant), and the message
//    is in its inbox's view of the thread (errc::unknown_message: never there, unsent, or
//    deleted for the requester);
//  - edit and unsend: only by the message's sender (errc::not_allowed), within
//    RequestLimits::edit_window of the message's time (errc::too_late); an edit's text is
//    not empty (errc::invalid_request: unsend instead) and at most max_body_bytes;
//  - edit, unsend and react go to every current participant (as a send does); delete for
//    me goes to the requester's queue only, so only its devices and history lose the
//    message;
//  - a reaction is at most max_reaction_bytes (errc::too_large); empty takes it back.
//  - MessageEdited carries the message's new edit count (the inbox's count + 1), so a device
//    that missed edits, or got them folded, still knows how many there were.

#include "base/result.h"
#include "store/queue_store.h"
#include "sync/inbox.h"
#include "sync/request_planner.h"
#include "wire/messages.h"

namespace iris::sync {

Result<store::AppendRequest> plan_message_action(const wire::MessageActionRequest& req,
                                                 core::UserId who, const Inbox& inbox,
                                                 core::Timestamp now, const RequestLimits& limits);

// The message an update acts on (created, edited, deleted or reacted to), if any: what a
// SendResult names.
std::optional<core::MessageId> message_of(const core::UpdateBody& body);

}  // namespace iris::sync
