#include "net/connect_peek.h"

#include <gtest/gtest.h>

#include <vector>

#include "mqtt/encoder.h"

namespace iris::net {
namespace {

using Status = ConnectPeek::Status;

std::vector<std::uint8_t> connect_bytes(mqtt::Version v, std::string client_id) {
  mqtt::Connect c;
  c.version = v;
  c.client_id = std::move(client_id);
  c.username = "42";
  c.password = "secret";
  if (v == mqtt::Version::v5) {
    c.props.session_expiry_interval = 60;
    c.props.receive_maximum = 10;
  }
  return mqtt::encode(mqtt::Packet(c), v);
}

TEST(ConnectPeek, FindsTheClientIdOf311And5Connects) {
  for (const auto v : {mqtt::Version::v3_1_1, mqtt::Version::v5}) {
    const auto p = peek_client_id(connect_bytes(v, "phone-1"));
    EXPECT_EQ(p.status, Status::found);
    EXPECT_EQ(p.client_id, "phone-1");
  }
}

TEST(ConnectPeek, AsksForMoreUntilTheUserNameIsComplete) {
  const auto bytes = connect_bytes(mqtt::Version::v5, "device-abc");
  // The owner shard is the user name's: every prefix that ends before its last byte needs
  // more, even when the client id is already there.
  const std::size_t user_end = bytes.size() - (2 + 6);  // password "secret" follows
  for (std::size_t n = 0; n < user_end; ++n) {
    EXPECT_EQ(peek_client_id(std::span(bytes.data(), n)).status, Status::need_more) << n;
  }
  const auto p = peek_client_id(std::span(bytes.data(), user_end));
  EXPECT_EQ(p.status, Status::found);
  EXPECT_EQ(p.username, "42");
  EXPECT_EQ(p.owner_key(), "42");
}

TEST(ConnectPeek, ReadsTheUserNamePastAWillAndFallsBackToTheClientId) {
  for (const auto v : {mqtt::Version::v3_1_1, mqtt::Version::v5}) {
    mqtt::Connect c;
    c.version = v;
    c.client_id = "dev";
    c.will = mqtt::Will{"w/t", mqtt::Payload(std::string("bye")), mqtt::QoS::at_least_once, false, {}};
    c.username = "7";
    const auto p = peek_client_id(mqtt::encode(mqtt::Packet(c), v));
    ASSERT_EQ(p.status, Status::found);
    EXPECT_EQ(p.username, "7");
    c.username.reset();
    const auto anon = peek_client_id(mqtt::encode(mqtt::Packet(c), v));
    EXPECT_FALSE(anon.username);
    EXPECT_EQ(anon.owner_key(), "dev");
  }
}

TEST(ConnectPeek, AnEmptyUserNameRoutesByTheClientId) {
  // Else every such CONNECT would stay where it was accepted, and one (user "", client id)
  // session would be spread over several brokers.
  mqtt::Connect c;
  c.client_id = "dev";
  c.username = "";
  const auto p = peek_client_id(mqtt::encode(mqtt::Packet(c), mqtt::Version::v5));
  ASSERT_EQ(p.status, Status::found);
  EXPECT_EQ(p.username, "");
  EXPECT_EQ(p.owner_key(), "dev");
}

TEST(ConnectPeek, FindsAnEmptyClientId) {
  const auto p = peek_client_id(connect_bytes(mqtt::Version::v3_1_1, ""));
  EXPECT_EQ(p.status, Status::found);
  EXPECT_TRUE(p.client_id.empty());
}

TEST(ConnectPeek, RejectsWhatIsNotAConnect) {
  // PINGREQ first.
  EXPECT_EQ(peek_client_id(std::vector<std::uint8_t>{0xC0, 0x00}).status, Status::invalid);
  // A remaining length with a fifth continuation byte (MQTT 5.0 §1.5.5).
  EXPECT_EQ(peek_client_id(std::vector<std::uint8_t>{0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}).status,
            Status::invalid);
  // A client id that runs past the packet's remaining length (2).
  EXPECT_EQ(peek_client_id(std::vector<std::uint8_t>{0x10, 0x0C,           // CONNECT, 12 bytes
                                                     0x00, 0x04, 'M', 'Q', 'T', 'T',  // name
                                                     0x04, 0x02, 0x00, 0x3C,  // level 4, flags, keep alive
                                                     0x00, 0x05, 'a'})       // id of 5 bytes
                .status,
            Status::invalid);
}

}  // namespace
}  // namespace iris::net
