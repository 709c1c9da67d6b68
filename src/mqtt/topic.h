#pragma once
// Topic names and topic filters (MQTT 5.0 §4.7, 3.1.1 §4.7). Both are already valid UTF-8
// when they get here (the codec checks that); these functions check the topic rules.

#include <algorithm>
#include <string_view>

namespace iris::mqtt {

// A topic name as used in PUBLISH: at least one character, no '+' or '#' (MQTT-4.7.3-1,
// MQTT-3.3.2-2).
bool is_valid_topic_name(std::string_view topic);

// A topic filter: at least one character; '#' only as a whole last level (MQTT-4.7.1-1);
// '+' only as a whole level (MQTT-4.7.1-2).
bool is_valid_topic_filter(std::string_view filter);

bool has_wildcard(std::string_view filter);

// Whether `filter` matches `topic` (MQTT 5.0 §4.7). '+' matches exactly one level, '#' the
// parent level and any number of levels below; a filter starting with a wildcard never
// matches a topic starting with '$' (MQTT-4.7.2-1).
// Requires: is_valid_topic_filter(filter), is_valid_topic_name(topic).
bool topic_matches(std::string_view filter, std::string_view topic);

// Shared subscriptions "$share/<group>/<filter>" (MQTT 5.0 §4.8.2), which Iris does not
// support and answers with reason 0x9E.
bool is_shared_subscription(std::string_view filter);

}  // namespace iris::mqtt
