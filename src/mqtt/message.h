#pragma once
// Message: an application message inside the broker, from a client's PUBLISH, a will, or
// the server itself (Broker::publish). Immutable once routed and shared by pointer between
// every subscriber queue, in-flight window and the retained store that hold it.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/packet/payload.h"
#include "mqtt/packet/types.h"
#include "mqtt/properties.h"
#include "mqtt/shared_pick.h"

namespace iris::mqtt {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct Message {
  std::string topic;
  Payload payload;
  QoS qos = QoS::at_most_once;
  bool retain = false;
  // Forwarded unaltered to subscribers (MQTT 5.0 §3.3.2.3): payload format, content type,
  // response topic, correlation data, user properties. Topic alias, subscription
  // identifiers and message expiry are per delivery and not kept here.
  Properties props;
  // From Message Expiry Interval (MQTT 5.0 §3.3.2.3.3): undelivered copies are dropped
  // after this, and delivered ones carry the time left.
  std::optional<TimePoint> expires_at;
  // For brokers sharing a SharedGroups directory: the member of each matching shared group
  // that receives this message, chosen once where the message entered routing, before it was
  // shared (mqtt/shared_groups.h). Empty when no group matched, or without a directory.
  std::vector<SharedPick> shared_picks;
};

}  // namespace iris::mqtt
