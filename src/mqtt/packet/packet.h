#pragma once
// Packet: any MQTT control packet. The variant's alternatives are in fixed-header type
// order, so `packet_type(p)` is the index plus one.

#include <variant>

#include "mqtt/packet/ack.h"
#include "mqtt/packet/auth.h"
#include "mqtt/packet/connack.h"
#include "mqtt/packet/connect.h"
#include "mqtt/packet/disconnect.h"
#include "mqtt/packet/ping.h"
#include "mqtt/packet/publish.h"
#include "mqtt/packet/suback.h"
#include "mqtt/packet/subscribe.h"
#include "mqtt/packet/unsuback.h"
#include "mqtt/packet/unsubscribe.h"

namespace iris::mqtt {

using Packet = std::variant<Connect, Connack, Publish, PubAck, PubRec, PubRel, PubComp,
                            Subscribe, Suback, Unsubscribe, Unsuback, PingReq, PingResp,
                            Disconnect, Auth>;

inline PacketType packet_type(const Packet& p) {
  return static_cast<PacketType>(p.index() + 1);
}

}  // namespace iris::mqtt
