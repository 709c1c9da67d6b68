#pragma once
// PublishTemplate: one topic's QoS 1 PUBLISH, encoded once by the Iris codec, then copied
// into a connection's output with its packet id and send stamp patched in place, so the hot
// path neither builds a Packet nor allocates.
//
// Payload layout (`payload_size` >= kStampBytes): bytes 0..7 are the send stamp, a
// steady_clock time in nanoseconds since its epoch, in host byte order (publisher and
// subscriber run on the same machine); the rest is filler ('x').

#include <cstdint>
#include <span>
#include <string>

#include "mqtt/packet/types.h"

namespace iris::bench {

inline constexpr std::size_t kStampBytes = 8;

class PublishTemplate {
 public:
  // Throws when payload_size < kStampBytes.
  PublishTemplate(const std::string& topic, std::size_t payload_size, mqtt::QoS qos,
                  mqtt::Version version);

  // Appends the PUBLISH (MQTT 5.0 §3.3) with packet id `id` (ignored at QoS 0) and stamp.
  void append(mqtt::Bytes& out, mqtt::PacketId id, std::int64_t stamp_ns) const;
  std::size_t size() const { return bytes_.size(); }

 private:
  mqtt::Bytes bytes_;
  std::size_t id_offset_ = 0;     // 0 at QoS 0: no packet id
  std::size_t stamp_offset_ = 0;  // first payload byte
};

// The send stamp of a payload built by PublishTemplate; 0 when the payload is too short.
std::int64_t read_stamp(std::span<const std::uint8_t> payload);

}  // namespace iris::bench
