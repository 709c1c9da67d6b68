#pragma once
// UNSUBSCRIBE (MQTT 3.1.1 §3.10, MQTT 5.0 §3.10).

#include <string>
#include <vector>

#include "mqtt/packet/types.h"
#include "mqtt/properties.h"

namespace iris::mqtt {

struct Unsubscribe {
  PacketId packet_id = 0;
  Properties props;  // user properties only
  std::vector<std::string> filters;  // at least one
  bool operator==(const Unsubscribe&) const = default;
};

}  // namespace iris::mqtt
