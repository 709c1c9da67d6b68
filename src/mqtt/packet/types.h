#pragma once
// Vocabulary shared by every packet struct: protocol version, packet types, QoS, packet ids.

#include <cstdint>
#include <vector>

namespace iris::mqtt {

// The protocol level byte of CONNECT (MQTT 5.0 §3.1.2.2). A connection speaks one version,
// fixed by its CONNECT; the codec needs it for every later packet.
enum class Version : std::uint8_t { v3_1_1 = 4, v5 = 5 };

// Fixed header packet types (MQTT 5.0 §2.1.2). The values are the wire values, and also
// one more than the packet's index in the `Packet` variant (packet/packet.h).
enum class PacketType : std::uint8_t {
  connect = 1,
  connack,
  publish,
  puback,
  pubrec,
  pubrel,
  pubcomp,
  subscribe,
  suback,
  unsubscribe,
  unsuback,
  pingreq,
  pingresp,
  disconnect,
  auth,
};

enum class QoS : std::uint8_t { at_most_once = 0, at_least_once = 1, exactly_once = 2 };

// Packet identifier (MQTT 5.0 §2.2.1): non-zero when present.
using PacketId = std::uint16_t;

// Encoded packets, as handed to the network layer.
using Bytes = std::vector<std::uint8_t>;

}  // namespace iris::mqtt
