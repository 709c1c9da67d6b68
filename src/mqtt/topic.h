#pragma once
// Topic names and topic filters (MQTT 5.0 §4.7, 3.1.1 §4.7). Both are already valid UTF-8
// when they get here (the codec checks that); these functions check the topic rules.

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace iris::mqtt {

// A topic name as used in PUBLISH: at least one character, no '+' or '#' (MQTT-4.7.3-1,
// MQTT-3.3.2-2).
bool is_valid_topic_name(std::string_view topic);

// A topic filter: at least one character; '#' only as a whole last level (MQTT-4.7.1-1);
// '+' only as a whole level (MQTT-4.7.1-2).
bool is_valid_topic_filter(std::string_view filter);

bool has_wildcard(std::string_view filter);

// Whether a filter whose first level is a wildcard may match `topic`: never for a topic
// starting with '$' (MQTT-4.7.2-1), nor for one whose first level is one of `hidden_roots`
// (MqttOptions::wildcard_hidden_roots: Iris's own u/ and t/ spaces, which only a filter
// naming them literally reaches).
bool visible_to_wildcards(std::string_view topic, std::span<const std::string> hidden_roots);

// Whether `filter` matches `topic` (MQTT 5.0 §4.7). '+' matches exactly one level, '#' the
// parent level and any number of levels below; a filter starting with a wildcard never
// matches a topic that is not visible_to_wildcards.
// Requires: is_valid_topic_filter(filter), is_valid_topic_name(topic).
bool topic_matches(std::string_view filter, std::string_view topic,
                   std::span<const std::string> hidden_roots = {});

// Shared subscriptions "$share/<group>/<filter>" (MQTT 5.0 §4.8.2).
bool is_shared_subscription(std::string_view filter);

struct SharedFilter {
  std::string_view group;   // the Share Name
  std::string_view filter;  // what it subscribes to
};
// Splits "$share/<group>/<filter>": nullopt unless the Share Name is non-empty and holds no
// '/', '+' or '#' and the rest is a valid filter (MQTT-4.8.2-1, -2).
std::optional<SharedFilter> parse_shared_subscription(std::string_view filter);

// The filter a subscription matches with: the part after the Share Name for a shared one,
// else `filter` itself. Requires: a shared `filter` is parse_shared_subscription-valid.
std::string_view inner_filter(std::string_view filter);

}  // namespace iris::mqtt
