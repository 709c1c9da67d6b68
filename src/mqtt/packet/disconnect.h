#pragma once
// DISCONNECT (MQTT 3.1.1 §3.14, MQTT 5.0 §3.14). On 3.1.1 it has no body; a server never
// sends it there (it closes the connection instead).

#include "mqtt/properties.h"
#include "mqtt/reason_code.h"

namespace iris::mqtt {

struct Disconnect {
  ReasonCode reason = ReasonCode::success;  // "normal disconnection"
  Properties props;
  bool operator==(const Disconnect&) const = default;
};

}  // namespace iris::mqtt
