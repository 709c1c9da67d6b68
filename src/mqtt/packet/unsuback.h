#pragma once
// UNSUBACK (MQTT 3.1.1 §3.11, MQTT 5.0 §3.11). 3.1.1 has no payload: `reasons` is empty
// there and ignored by the encoder.

#include <vector>

#include "mqtt/packet/types.h"
#include "mqtt/properties.h"
#include "mqtt/reason_code.h"

namespace iris::mqtt {

struct Unsuback {
  PacketId packet_id = 0;
  Properties props;
  std::vector<ReasonCode> reasons;
  bool operator==(const Unsuback&) const = default;
};

}  // namespace iris::mqtt
