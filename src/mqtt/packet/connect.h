#pragma once
// CONNECT (MQTT 3.1.1 §3.1, MQTT 5.0 §3.1): the first packet of every connection.

#include <optional>
#include <string>

#include "mqtt/packet/payload.h"
#include "mqtt/packet/types.h"
#include "mqtt/properties.h"

namespace iris::mqtt {

// The Will Message of CONNECT's payload (MQTT 5.0 §3.1.2.5, §3.1.3.2-4).
struct Will {
  std::string topic;
  Payload payload;
  QoS qos = QoS::at_most_once;
  bool retain = false;
  Properties props;  // 5.0 will properties (will delay, message expiry, ...)
  bool operator==(const Will&) const = default;
};

struct Connect {
  // Decoded from the protocol level; the encoder writes this version's layout.
  Version version = Version::v5;
  // "Clean Session" in 3.1.1, "Clean Start" in 5.0 (MQTT 5.0 §3.1.2.4).
  bool clean_start = true;
  // Seconds; 0 disables keep-alive (MQTT 5.0 §3.1.2.10).
  std::uint16_t keep_alive = 0;
  std::string client_id;
  std::optional<Will> will;
  std::optional<std::string> username;
  // Binary data (MQTT 5.0 §3.1.3.6), kept in a string.
  std::optional<std::string> password;
  Properties props;
  bool operator==(const Connect&) const = default;
};

}  // namespace iris::mqtt
