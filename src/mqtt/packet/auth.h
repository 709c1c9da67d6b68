#pragma once
// AUTH (MQTT 5.0 §3.15): enhanced authentication exchange. 5.0 only.

#include "mqtt/properties.h"
#include "mqtt/reason_code.h"

namespace iris::mqtt {

struct Auth {
  ReasonCode reason = ReasonCode::success;
  Properties props;
  bool operator==(const Auth&) const = default;
};

}  // namespace iris::mqtt
