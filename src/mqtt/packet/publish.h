#pragma once
// PUBLISH (MQTT 3.1.1 §3.3, MQTT 5.0 §3.3).

#include <string>

#include "mqtt/packet/payload.h"
#include "mqtt/packet/types.h"
#include "mqtt/properties.h"

namespace iris::mqtt {

struct Publish {
  bool dup = false;
  QoS qos = QoS::at_most_once;
  bool retain = false;
  // May be empty on 5.0 when props.topic_alias names an alias already set (§3.3.2.3.4).
  std::string topic;
  // Present (non-zero) only when qos > 0 (MQTT 5.0 §2.2.1).
  PacketId packet_id = 0;
  Properties props;
  Payload payload;
  bool operator==(const Publish&) const = default;
};

}  // namespace iris::mqtt
