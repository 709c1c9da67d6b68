#pragma once
// PUBACK, PUBREC, PUBREL, PUBCOMP (MQTT 5.0 §3.4-3.7): the QoS 1 and QoS 2 handshakes share
// one layout: packet id, then on 5.0 an optional reason code and optional properties
// (both omitted when the reason is success and there are no properties, §3.4.2.1).

#include "mqtt/packet/types.h"
#include "mqtt/properties.h"
#include "mqtt/reason_code.h"

namespace iris::mqtt {

template <PacketType kType>
struct Ack {
  static constexpr PacketType type = kType;
  PacketId packet_id = 0;
  ReasonCode reason = ReasonCode::success;
  Properties props;
  bool operator==(const Ack&) const = default;
};

using PubAck = Ack<PacketType::puback>;
using PubRec = Ack<PacketType::pubrec>;
using PubRel = Ack<PacketType::pubrel>;
using PubComp = Ack<PacketType::pubcomp>;

}  // namespace iris::mqtt
