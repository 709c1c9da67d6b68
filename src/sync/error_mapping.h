#pragma once
// The one place where internal errors become the protocol's error codes (wire::ErrorCode)
// and the text a device shows. net/ maps wire::ErrorCode to MQTT reason codes.

#include <system_error>

#include "wire/messages.h"

namespace iris::sync {

wire::ErrorCode to_wire_error(std::error_code ec);

}  // namespace iris::sync
