#include "client/mqtt_session.h"

#include <gtest/gtest.h>

#include "mqtt/encoder.h"

namespace iris::client {
namespace {

MqttSession session() { return MqttSession({"phone", "42", "tok", 30}); }

// What the server decodes from the client's bytes.
mqtt::Packet server_reads(const mqtt::Bytes& bytes, std::optional<mqtt::Version> v = mqtt::Version::v5) {
  mqtt::Decoder d(1 << 20, v);
  d.put(bytes);
  auto p = d.next();
  EXPECT_TRUE(p.has_value() && p->has_value());
  return **p;
}

TEST(MqttSession, ConnectCarriesDeviceUserAndToken) {
  auto s = session();
  auto p = server_reads(s.connect(), std::nullopt);
  const auto& c = std::get<mqtt::Connect>(p);
  EXPECT_EQ(c.version, mqtt::Version::v5);
  EXPECT_EQ(c.client_id, "phone");
  EXPECT_EQ(c.username, "42");
  EXPECT_EQ(c.password, "tok");
  EXPECT_EQ(c.keep_alive, 30);
  EXPECT_TRUE(c.clean_start);
}

TEST(MqttSession, ConnackSuccessIsConnectedAndRefusalCarriesTheReason) {
  auto s = session();
  auto ok = s.on_bytes(mqtt::encode(mqtt::Packet{mqtt::Connack{}}, mqtt::Version::v5));
  ASSERT_TRUE(ok.has_value());
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_TRUE(std::holds_alternative<mqtt_event::Connected>((*ok)[0]));

  auto s2 = session();
  auto bad = s2.on_bytes(mqtt::encode(
      mqtt::Packet{mqtt::Connack{false, mqtt::ReasonCode::bad_user_name_or_password, {}}},
      mqtt::Version::v5));
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(std::get<mqtt_event::Refused>((*bad)[0]).reason, mqtt::ReasonCode::bad_user_name_or_password);
}

TEST(MqttSession, ConnectedCarriesTheServersReceiveMaximumOrTheProtocolsDefault) {
  auto s = session();
  mqtt::Connack granted;
  granted.props.receive_maximum = 512;
  auto up = s.on_bytes(mqtt::encode(mqtt::Packet{granted}, mqtt::Version::v5));
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(std::get<mqtt_event::Connected>((*up)[0]).receive_maximum, 512);

  auto s2 = session();
  auto plain = s2.on_bytes(mqtt::encode(mqtt::Packet{mqtt::Connack{}}, mqtt::Version::v5));
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(std::get<mqtt_event::Connected>((*plain)[0]).receive_maximum, 65535) << "absent means no limit";
}

TEST(MqttSession, UseAnotherServerCarriesTheServerReferenceInConnackAndDisconnect) {
  auto s = session();
  mqtt::Connack refusal{false, mqtt::ReasonCode::use_another_server, {}};
  refusal.props.server_reference = "127.0.0.1:7002";
  auto refused = s.on_bytes(mqtt::encode(mqtt::Packet{refusal}, mqtt::Version::v5));
  ASSERT_TRUE(refused.has_value());
  const auto& r = std::get<mqtt_event::Refused>((*refused)[0]);
  EXPECT_EQ(r.reason, mqtt::ReasonCode::use_another_server);
  EXPECT_EQ(r.server_reference, "127.0.0.1:7002");

  auto s2 = session();
  mqtt::Bytes bytes;
  mqtt::encode(mqtt::Packet{mqtt::Connack{}}, mqtt::Version::v5, bytes);
  mqtt::Disconnect moved{mqtt::ReasonCode::use_another_server, {}};
  moved.props.server_reference = "[::1]:7003";
  mqtt::encode(mqtt::Packet{moved}, mqtt::Version::v5, bytes);
  auto closed = s2.on_bytes(bytes);
  ASSERT_TRUE(closed.has_value());
  ASSERT_EQ(closed->size(), 2u);
  const auto& c = std::get<mqtt_event::Closed>((*closed)[1]);
  EXPECT_EQ(c.reason, mqtt::ReasonCode::use_another_server);
  EXPECT_EQ(c.server_reference, "[::1]:7003");

  auto s3 = session();
  auto plain = s3.on_bytes(mqtt::encode(mqtt::Packet{mqtt::Disconnect{mqtt::ReasonCode::server_shutting_down, {}}},
                                        mqtt::Version::v5));
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(std::get<mqtt_event::Closed>((*plain)[0]).server_reference.has_value());
}

TEST(MqttSession, SplitReadsYieldEachPacketOnce) {
  auto s = session();
  mqtt::Bytes all;
  mqtt::encode(mqtt::Packet{mqtt::Connack{}}, mqtt::Version::v5, all);
  mqtt::Publish pub;
  pub.qos = mqtt::QoS::at_least_once;
  pub.packet_id = 9;
  pub.topic = "u/42/deltas";
  pub.payload = mqtt::Payload("batch");
  mqtt::encode(mqtt::Packet{pub}, mqtt::Version::v5, all);
  mqtt::encode(mqtt::Packet{mqtt::PingResp{}}, mqtt::Version::v5, all);
  std::vector<MqttEvent> events;
  for (auto b : all) {  // one byte at a time
    auto r = s.on_bytes(std::span<const std::uint8_t>(&b, 1));
    ASSERT_TRUE(r.has_value());
    for (auto& e : *r) events.push_back(std::move(e));
  }
  ASSERT_EQ(events.size(), 3u);
  const auto& m = std::get<mqtt_event::Message>(events[1]);
  EXPECT_EQ(m.topic, "u/42/deltas");
  EXPECT_EQ(m.payload, "batch");
  EXPECT_EQ(m.packet_id, 9);
  EXPECT_TRUE(std::holds_alternative<mqtt_event::Pong>(events[2]));
  EXPECT_EQ(std::get<mqtt::PubAck>(server_reads(s.puback(9))).packet_id, 9);
}

TEST(MqttSession, PacketIdsAreNonZeroUniqueAndFreedByTheirAck) {
  auto s = session();
  std::set<mqtt::PacketId> ids;
  for (int i = 0; i < 100; ++i) {
    mqtt::PacketId id = 0;
    auto bytes = s.publish("u/42/sync", "x", mqtt::QoS::at_least_once, &id);
    EXPECT_NE(id, 0);
    EXPECT_TRUE(ids.insert(id).second);
    EXPECT_EQ(std::get<mqtt::Publish>(server_reads(bytes)).packet_id, id);
  }
  EXPECT_EQ(s.unacked(), 100u);
  auto r = s.on_bytes(mqtt::encode(mqtt::Packet{mqtt::PubAck{*ids.begin(), mqtt::ReasonCode::success, {}}}, mqtt::Version::v5));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(std::get<mqtt_event::Acked>((*r)[0]).packet_id, *ids.begin());
  EXPECT_EQ(s.unacked(), 99u);
}

TEST(MqttSession, TopicAliasesBothWaysAsTheConnackAllows) {
  auto s = session();
  EXPECT_EQ(std::get<mqtt::Connect>(server_reads(s.connect(), std::nullopt)).props.topic_alias_maximum, 8);
  mqtt::Connack ack;
  ack.props.topic_alias_maximum = 4;
  ASSERT_TRUE(s.on_bytes(mqtt::encode(mqtt::Packet{ack}, mqtt::Version::v5)).has_value());
  // Outgoing: the topic once, then only the alias.
  const auto first = std::get<mqtt::Publish>(server_reads(s.publish("u/42/sync", "a", mqtt::QoS::at_least_once)));
  EXPECT_EQ(first.topic, "u/42/sync");
  EXPECT_EQ(first.props.topic_alias, 1);
  const auto second = std::get<mqtt::Publish>(server_reads(s.publish("u/42/sync", "b", mqtt::QoS::at_least_once)));
  EXPECT_TRUE(second.topic.empty());
  EXPECT_EQ(second.props.topic_alias, 1);
  // Incoming: an alias the server set stands for its topic afterwards.
  mqtt::Publish set;
  set.topic = "u/42/deltas";
  set.props.topic_alias = 2;
  mqtt::Publish use = set;
  use.topic.clear();
  auto bytes = mqtt::encode(mqtt::Packet{set}, mqtt::Version::v5);
  mqtt::encode(mqtt::Packet{use}, mqtt::Version::v5, bytes);
  auto events = s.on_bytes(bytes);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(std::get<mqtt_event::Message>((*events)[1]).topic, "u/42/deltas");
  // One it never set ends the connection.
  mqtt::Publish unknown;
  unknown.props.topic_alias = 3;
  EXPECT_FALSE(s.on_bytes(mqtt::encode(mqtt::Packet{unknown}, mqtt::Version::v5)).has_value());
}

TEST(MqttSession, GarbageFromTheServerEndsTheConnection) {
  auto s = session();
  const std::uint8_t junk[] = {0x00, 0x00};  // packet type 0 is reserved
  EXPECT_FALSE(s.on_bytes(junk).has_value());
}

}  // namespace
}  // namespace iris::client
