#include "client/mqtt_session.h"

#include "client/errc.h"
#include "mqtt/encoder.h"

namespace iris::client {

MqttSession::MqttSession(MqttSessionOptions options)
    : options_(std::move(options)),
      decoder_(options_.max_packet_size, mqtt::Version::v5),
      aliases_(options_.topic_alias_maximum, 0) {}

mqtt::Bytes MqttSession::connect() const {
  mqtt::Connect c;
  c.version = mqtt::Version::v5;
  // A clean start: the sync stream is per connection (PROTOCOL.md), nothing to keep.
  c.clean_start = true;
  c.keep_alive = options_.keep_alive_s;
  c.client_id = options_.client_id;
  c.username = options_.username;
  c.password = options_.password;
  c.props.maximum_packet_size = options_.max_packet_size;
  if (options_.topic_alias_maximum > 0) c.props.topic_alias_maximum = options_.topic_alias_maximum;
  return mqtt::encode(mqtt::Packet{std::move(c)}, mqtt::Version::v5);
}

mqtt::PacketId MqttSession::take_id() {
  // MQTT 5.0 §2.2.1: non-zero, unique among this side's unacknowledged packets.
  while (next_id_ == 0 || in_use_.contains(next_id_)) ++next_id_;
  const mqtt::PacketId id = next_id_++;
  in_use_.insert(id);
  return id;
}

mqtt::Bytes MqttSession::subscribe(const std::vector<std::string>& filters, mqtt::QoS qos,
                                   mqtt::PacketId* id_out) {
  mqtt::Subscribe s;
  s.packet_id = take_id();
  for (const auto& f : filters) s.subscriptions.push_back({f, mqtt::SubscribeOptions{qos}});
  if (id_out) *id_out = s.packet_id;
  return mqtt::encode(mqtt::Packet{std::move(s)}, mqtt::Version::v5);
}

mqtt::Bytes MqttSession::publish(const std::string& topic, std::string payload, mqtt::QoS qos,
                                 mqtt::PacketId* id_out) {
  mqtt::Publish p;
  p.qos = qos;
  p.topic = topic;
  p.payload = mqtt::Payload(std::move(payload));
  if (qos != mqtt::QoS::at_most_once) p.packet_id = take_id();
  if (id_out) *id_out = p.packet_id;
  aliases_.apply_outgoing(p);
  return mqtt::encode(mqtt::Packet{std::move(p)}, mqtt::Version::v5);
}

mqtt::Bytes MqttSession::puback(mqtt::PacketId id) const {
  mqtt::PubAck ack;
  ack.packet_id = id;
  return mqtt::encode(mqtt::Packet{std::move(ack)}, mqtt::Version::v5);
}

mqtt::Bytes MqttSession::pingreq() const {
  return mqtt::encode(mqtt::Packet{mqtt::PingReq{}}, mqtt::Version::v5);
}

mqtt::Bytes MqttSession::disconnect() const {
  return mqtt::encode(mqtt::Packet{mqtt::Disconnect{}}, mqtt::Version::v5);
}

Result<std::vector<MqttEvent>> MqttSession::on_bytes(std::span<const std::uint8_t> bytes) {
  decoder_.put(bytes);
  std::vector<MqttEvent> out;
  while (true) {
    auto next = decoder_.next();
    if (!next) return fail(next.error());
    if (!*next) break;
    mqtt::Packet& p = **next;
    if (auto* c = std::get_if<mqtt::Connack>(&p)) {
      aliases_.set_outbound_max(c->props.topic_alias_maximum.value_or(0));
      if (c->reason == mqtt::ReasonCode::success) {
        out.emplace_back(mqtt_event::Connected{c->props.receive_maximum.value_or(65535)});
      }
      else out.emplace_back(mqtt_event::Refused{c->reason, std::move(c->props.server_reference)});
    } else if (auto* pub = std::get_if<mqtt::Publish>(&p)) {
      if (aliases_.resolve_incoming(*pub)) return fail(errc::protocol);
      out.emplace_back(mqtt_event::Message{std::move(pub->topic), std::string(pub->payload.view()),
                                           pub->qos, pub->packet_id});
    } else if (auto* ack = std::get_if<mqtt::PubAck>(&p)) {
      in_use_.erase(ack->packet_id);
      out.emplace_back(mqtt_event::Acked{ack->packet_id, ack->reason});
    } else if (auto* sub = std::get_if<mqtt::Suback>(&p)) {
      in_use_.erase(sub->packet_id);
      out.emplace_back(mqtt_event::Subscribed{sub->packet_id, std::move(sub->reasons)});
    } else if (std::holds_alternative<mqtt::PingResp>(p)) {
      out.emplace_back(mqtt_event::Pong{});
    } else if (auto* d = std::get_if<mqtt::Disconnect>(&p)) {
      out.emplace_back(mqtt_event::Closed{d->reason, std::move(d->props.server_reference)});
    } else {
      // PUBREC/PUBREL/... for QoS 2 we never use, or a packet only clients send.
      return fail(errc::protocol);
    }
  }
  return out;
}

}  // namespace iris::client
