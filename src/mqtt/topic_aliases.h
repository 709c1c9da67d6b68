#pragma once
// TopicAliases: the topic aliases of one MQTT 5.0 connection as one side keeps them (MQTT 5.0
// section 3.3.2.3.4), without I/O. Each side has two tables: the aliases it set towards its
// peer (outbound: after the first PUBLISH on a topic, a two-byte alias replaces the topic) and
// those the peer set (inbound). Aliases live as long as the network connection.
//
// The broker keeps one per connection; the client SDK and the bandwidth replay one per link.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/errc.h"
#include "mqtt/packet/publish.h"

namespace iris::mqtt {

class TopicAliases {
 public:
  // `inbound_max`: the Topic Alias Maximum this side announced (the peer may use aliases
  // 1..inbound_max); `outbound_max`: the one the peer announced (0: do not alias).
  explicit TopicAliases(std::uint16_t inbound_max = 0, std::uint16_t outbound_max = 0)
      : inbound_max_(inbound_max), outbound_max_(outbound_max) {}

  void set_inbound_max(std::uint16_t max) { inbound_max_ = max; }
  void set_outbound_max(std::uint16_t max) { outbound_max_ = max; }

  // An outgoing PUBLISH: its topic becomes its alias once that alias was set; while there is
  // room, a new topic gets the next alias (sent once with the topic, which sets it).
  void apply_outgoing(Publish& p);
  // An incoming PUBLISH: records the alias it sets, or puts back the topic its alias stands
  // for. errc::topic_alias_invalid for an alias over inbound_max (MQTT-3.3.2-9),
  // errc::protocol_error for an alias never set; both end the connection.
  std::optional<errc> resolve_incoming(Publish& p);

 private:
  std::uint16_t inbound_max_;
  std::uint16_t outbound_max_;
  std::vector<std::string> inbound_;   // alias - 1 -> topic
  std::vector<std::string> outbound_;  // alias - 1 -> topic
};

}  // namespace iris::mqtt
