#pragma once
// CONNACK (MQTT 3.1.1 §3.2, MQTT 5.0 §3.2). On 3.1.1 the reason code is written as the
// matching return code 0..5 (reason_code.h).

#include "mqtt/properties.h"
#include "mqtt/reason_code.h"

namespace iris::mqtt {

struct Connack {
  bool session_present = false;
  ReasonCode reason = ReasonCode::success;
  Properties props;
  bool operator==(const Connack&) const = default;
};

}  // namespace iris::mqtt
