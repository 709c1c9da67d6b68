#pragma once
// SUBACK (MQTT 3.1.1 §3.9, MQTT 5.0 §3.9): one reason code per requested filter, in order.
// 3.1.1's return codes 0, 1, 2 and 0x80 have the same values as the 5.0 reason codes;
// other 5.0 failures are written as 0x80 on 3.1.1.

#include <vector>

#include "mqtt/packet/types.h"
#include "mqtt/properties.h"
#include "mqtt/reason_code.h"

namespace iris::mqtt {

struct Suback {
  PacketId packet_id = 0;
  Properties props;
  std::vector<ReasonCode> reasons;
  bool operator==(const Suback&) const = default;
};

}  // namespace iris::mqtt
