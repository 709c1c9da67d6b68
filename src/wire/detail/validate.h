#pragma once
// The protocol rules both decoders check after building a message, so that the compact
// and JSON codecs accept exactly the same set of messages: every string is valid UTF-8,
// and a DeltaBatch's updates fit its seq range (see DeltaBatch in messages.h).

#include <string_view>
#include <system_error>

#include "wire/messages.h"

namespace iris::wire::detail {

// An empty error_code if `message` keeps the rules; invalid_utf8 or invalid_message if not.
template <WireMessage M>
std::error_code validate(const M& message);

}  // namespace iris::wire::detail
