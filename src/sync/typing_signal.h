#pragma once
// Ephemeral typing signals (DESIGN.md step 7; docs/PROTOCOL.md "Ephemeral topics"): what a
// device publishes on t/<thread>/typing, checked and made trustworthy before the server
// passes it on. Pure: the transport has already checked that the publisher is a participant
// of the thread (per PUBLISH, against the owner shard's inbox) and does the routing.
//
// Nothing here is queued or stored: a signal lives as long as one routing pass.

#include <string_view>

#include "base/result.h"
#include "core/ids.h"
#include "wire/messages.h"

namespace iris::sync {

// Decodes a Typing from `payload` (an Envelope holding `typing`, or the bare Typing struct,
// in Thrift compact or JSON: a JSON payload is an object), checks that it names the
// topic's thread, and stamps `user` with the publisher, whatever the device wrote there.
// Errors: wire errc on bad encoding; sync::errc::invalid_request for another thread or
// another message kind.
Result<wire::Typing> accept_typing(std::string_view payload, core::UserId publisher,
                                   core::ThreadId topic_thread);

}  // namespace iris::sync
