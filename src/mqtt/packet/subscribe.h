#pragma once
// SUBSCRIBE (MQTT 3.1.1 §3.8, MQTT 5.0 §3.8).

#include <string>
#include <vector>

#include "mqtt/packet/types.h"
#include "mqtt/properties.h"

namespace iris::mqtt {

// Retain Handling (MQTT 5.0 §3.8.3.1): when retained messages are sent on subscribe.
enum class RetainHandling : std::uint8_t { send = 0, send_if_new = 1, never = 2 };

// Subscription Options byte (MQTT 5.0 §3.8.3.1). On 3.1.1 only max_qos exists; the other
// fields keep their defaults, which give 3.1.1 behaviour.
struct SubscribeOptions {
  QoS max_qos = QoS::at_most_once;
  // Do not send the subscriber its own publications.
  bool no_local = false;
  // Forward the RETAIN flag as published instead of clearing it (§3.3.1.3).
  bool retain_as_published = false;
  RetainHandling retain_handling = RetainHandling::send;
  bool operator==(const SubscribeOptions&) const = default;
};

struct Subscription {
  std::string filter;
  SubscribeOptions options;
  bool operator==(const Subscription&) const = default;
};

struct Subscribe {
  PacketId packet_id = 0;
  Properties props;  // subscription identifier and user properties only
  std::vector<Subscription> subscriptions;  // at least one
  bool operator==(const Subscribe&) const = default;
};

}  // namespace iris::mqtt
