#include "apps/iris-bench/publish_template.h"

#include <cstring>
#include <stdexcept>

#include "mqtt/encoder.h"

namespace iris::bench {

PublishTemplate::PublishTemplate(const std::string& topic, std::size_t payload_size,
                                 mqtt::QoS qos, mqtt::Version version) {
  if (payload_size < kStampBytes) {
    throw std::runtime_error("--payload must be at least " + std::to_string(kStampBytes) +
                             " bytes (the send stamp)");
  }
  // A recognisable id, so the offset computed below is checked against the encoding.
  constexpr mqtt::PacketId kProbeId = 0xA55A;
  mqtt::Publish p;
  p.qos = qos;
  p.topic = topic;
  p.packet_id = qos == mqtt::QoS::at_most_once ? 0 : kProbeId;
  p.payload = mqtt::Payload(std::string(payload_size, 'x'));
  mqtt::encode(mqtt::Packet(std::move(p)), version, bytes_);
  stamp_offset_ = bytes_.size() - payload_size;
  if (qos != mqtt::QoS::at_most_once) {
    // Variable header (MQTT 5.0 §3.3.2): topic, packet id, then on 5.0 the property length,
    // one byte 0 for no properties.
    id_offset_ = stamp_offset_ - 2 - (version == mqtt::Version::v5 ? 1 : 0);
    if (bytes_[id_offset_] != 0xA5 || bytes_[id_offset_ + 1] != 0x5A) {
      throw std::logic_error("PublishTemplate: packet id not where MQTT 5.0 §3.3.2 puts it");
    }
  }
}

void PublishTemplate::append(mqtt::Bytes& out, mqtt::PacketId id, std::int64_t stamp_ns) const {
  const std::size_t at = out.size();
  out.insert(out.end(), bytes_.begin(), bytes_.end());
  if (id_offset_ != 0) {
    out[at + id_offset_] = static_cast<std::uint8_t>(id >> 8);
    out[at + id_offset_ + 1] = static_cast<std::uint8_t>(id & 0xFF);
  }
  std::memcpy(out.data() + at + stamp_offset_, &stamp_ns, sizeof stamp_ns);
}

std::int64_t read_stamp(std::span<const std::uint8_t> payload) {
  std::int64_t stamp = 0;
  if (payload.size() >= kStampBytes) std::memcpy(&stamp, payload.data(), sizeof stamp);
  return stamp;
}

}  // namespace iris::bench
