#pragma once
// MqttSession: the client side of one MQTT 5.0 connection, sans I/O. It builds the packets
// a device sends (with the project's codec, mqtt/encoder.h) and turns received bytes into
// events (mqtt/decoder.h). Client owns one per connection and writes the bytes itself.
//
// What a sync device needs and no more: CONNECT with user/token/device, SUBSCRIBE, QoS 0/1
// PUBLISH both ways (it acknowledges a received QoS 1 PUBLISH only when told to, after
// the payload is stored), PINGREQ, DISCONNECT. No QoS 2, no retained, no will.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "mqtt/decoder.h"
#include "mqtt/packet/packet.h"
#include "mqtt/topic_aliases.h"

namespace iris::client {

struct MqttSessionOptions {
  std::string client_id;  // the device id
  std::string username;   // the user id, decimal
  std::string password;   // the device token
  std::uint16_t keep_alive_s = 30;
  // Largest packet accepted from the server; a larger one ends the connection.
  std::uint32_t max_packet_size = 8u << 20;
  // Topic aliases (MQTT 5.0 3.3.2.3.4) the server may use towards us; we use as many as its
  // CONNACK allows. A device's topics repeat on every packet (u/<user>/deltas ...), so an
  // alias saves their bytes after the first. 0 = none.
  std::uint16_t topic_alias_maximum = 8;
};

namespace mqtt_event {
struct Connected {
  // The server's Receive Maximum: QoS 1 and 2 PUBLISHes we may have unacknowledged (absent on
  // 3.1.1 and when the server sets no limit: 65,535, MQTT 5.0 section 3.2.2.3.3).
  std::uint16_t receive_maximum = 65535;
};
struct Refused {
  mqtt::ReasonCode reason;
  // CONNACK's Server Reference (with 0x9C use another server / 0x9D server moved).
  std::optional<std::string> server_reference{};
};
struct Message {
  std::string topic;
  std::string payload;
  mqtt::QoS qos = mqtt::QoS::at_most_once;
  mqtt::PacketId packet_id = 0;  // to acknowledge, when qos is 1
};
struct Acked {
  mqtt::PacketId packet_id;
  mqtt::ReasonCode reason;
};
struct Subscribed {
  mqtt::PacketId packet_id;
  std::vector<mqtt::ReasonCode> reasons;
};
struct Pong {};
struct Closed {  // the server sent DISCONNECT
  mqtt::ReasonCode reason;
  std::optional<std::string> server_reference{};  // as in Refused
};
}  // namespace mqtt_event

using MqttEvent = std::variant<mqtt_event::Connected, mqtt_event::Refused, mqtt_event::Message,
                               mqtt_event::Acked, mqtt_event::Subscribed, mqtt_event::Pong,
                               mqtt_event::Closed>;

class MqttSession {
 public:
  explicit MqttSession(MqttSessionOptions options);

  mqtt::Bytes connect() const;
  mqtt::Bytes subscribe(const std::vector<std::string>& filters, mqtt::QoS qos,
                        mqtt::PacketId* id_out = nullptr);
  // QoS 1 publishes get a packet id, free until their PUBACK arrives.
  mqtt::Bytes publish(const std::string& topic, std::string payload, mqtt::QoS qos,
                      mqtt::PacketId* id_out = nullptr);
  mqtt::Bytes puback(mqtt::PacketId id) const;
  mqtt::Bytes pingreq() const;
  mqtt::Bytes disconnect() const;

  // Feeds received bytes; returns the events of every complete packet, or the error that
  // ends the connection (malformed bytes, a packet a client never receives).
  Result<std::vector<MqttEvent>> on_bytes(std::span<const std::uint8_t> bytes);

  std::size_t unacked() const { return in_use_.size(); }

 private:
  mqtt::PacketId take_id();

  MqttSessionOptions options_;
  mqtt::Decoder decoder_;
  mqtt::TopicAliases aliases_;
  std::set<mqtt::PacketId> in_use_;
  mqtt::PacketId next_id_ = 1;
};

}  // namespace iris::client
