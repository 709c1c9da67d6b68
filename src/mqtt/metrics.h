#pragma once
// MqttMetrics: counters of one Broker, plain integers the net layer reads (and exports)
// from the broker's own thread. Monotonic unless named "_open".

#include <cstdint>

namespace iris::mqtt {

struct MqttMetrics {
  std::uint64_t connections_open = 0;
  std::uint64_t connects_accepted = 0;
  std::uint64_t connects_rejected = 0;   // CONNACK with a failure reason
  std::uint64_t malformed_packets = 0;   // closed with reason 0x81
  std::uint64_t protocol_errors = 0;     // closed with reason 0x82 or another violation
  std::uint64_t packets_too_large = 0;   // closed with reason 0x95
  std::uint64_t keep_alive_timeouts = 0;
  std::uint64_t session_takeovers = 0;
  std::uint64_t sessions_expired = 0;
  std::uint64_t publishes_received = 0;
  std::uint64_t publishes_sent = 0;
  std::uint64_t messages_dropped = 0;    // queue full, too large for the client, or expired
  std::uint64_t wills_published = 0;
  std::uint64_t retained_refused = 0;    // over a max_retained_* bound, not routed
};

}  // namespace iris::mqtt
