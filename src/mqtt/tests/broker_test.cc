#include "mqtt/broker.h"

#include <gtest/gtest.h>

#include <map>

#include "mqtt/decoder.h"
#include "mqtt/encoder.h"

namespace iris::mqtt {
namespace {

using namespace std::chrono_literals;

// A fake network around the Broker: each client decodes what the broker sends it.
class BrokerTest : public ::testing::Test {
 protected:
  struct Client {
    Version version = Version::v5;
    Decoder decoder{0xFFFFFFFF, Version::v5};
    std::vector<Packet> received;
    bool closed = false;
    std::error_code close_reason;
  };

  BrokerTest() { options_.allow_anonymous = true; }

  Broker& broker() {
    if (!broker_) broker_ = std::make_unique<Broker>(options_, auth_, auth_);
    return *broker_;
  }

  ConnId open(Version v = Version::v5) {
    const ConnId id{next_conn_++};
    clients_[id].version = v;
    clients_[id].decoder = Decoder(0xFFFFFFFF, v);
    broker().on_open(id, now_);
    drain();
    return id;
  }

  void send_bytes(ConnId id, const Bytes& bytes) {
    broker().on_bytes(id, bytes, now_);
    drain();
  }
  void send(ConnId id, const Packet& p) { send_bytes(id, encode(p, clients_[id].version)); }

  void drain() {
    for (auto& action : broker().take_actions()) {
      if (auto* s = std::get_if<SendAction>(&action)) {
        Client& c = clients_[s->conn];
        ASSERT_FALSE(c.closed) << "bytes after close";
        c.decoder.put(s->bytes);
        while (true) {
          auto r = c.decoder.next();
          ASSERT_TRUE(r) << r.error().message();
          if (!*r) break;
          c.received.push_back(std::move(**r));
        }
      } else if (auto* close = std::get_if<CloseAction>(&action)) {
        clients_[close->conn].closed = true;
        clients_[close->conn].close_reason = close->reason;
      } else if (auto* i = std::get_if<InterceptAction>(&action)) {
        intercepted_.push_back(*i);
      } else if (auto* d = std::get_if<DeliveredAction>(&action)) {
        delivered_.push_back(*d);
      } else if (auto* k = std::get_if<KeepAliveAction>(&action)) {
        keep_alives_.push_back(k->conn);
      } else if (auto* a = std::get_if<AcceptedAction>(&action)) {
        accepted_.push_back(a->conn);
      } else {
        gone_.push_back(std::get<GoneAction>(action).conn);
      }
    }
  }

  std::vector<Packet> take(ConnId id) { return std::exchange(clients_[id].received, {}); }

  template <typename T>
  T take_one(ConnId id) {
    auto packets = take(id);
    EXPECT_EQ(packets.size(), 1u);
    if (packets.size() != 1 || !std::holds_alternative<T>(packets[0])) {
      ADD_FAILURE() << "expected one packet of type index " << Packet(T{}).index();
      return T{};
    }
    return std::get<T>(packets[0]);
  }

  // Connects and returns the connection; the CONNACK is left in `last_connack_`.
  ConnId connect(std::string client_id, Version v = Version::v5, bool clean = true,
                 std::uint32_t expiry = 0, std::optional<Will> will = std::nullopt,
                 Properties props = {}) {
    const ConnId id = open(v);
    Connect c;
    c.version = v;
    c.client_id = std::move(client_id);
    c.clean_start = clean;
    c.will = std::move(will);
    c.props = std::move(props);
    if (v == Version::v5 && expiry) c.props.session_expiry_interval = expiry;
    send(id, c);
    // The CONNACK comes first; redeliveries of a resumed session may follow it.
    auto packets = take(id);
    if (packets.empty() || !std::holds_alternative<Connack>(packets[0])) {
      ADD_FAILURE() << "no CONNACK";
      return id;
    }
    last_connack_ = std::get<Connack>(packets[0]);
    clients_[id].received.assign(packets.begin() + 1, packets.end());
    return id;
  }

  // A persistent (expiry 60 s) 5.0 connection with a user name (nullopt: none).
  ConnId connect_with(std::optional<std::string> user, std::string client_id,
                      std::optional<Will> will = std::nullopt) {
    const ConnId id = open();
    Connect c;
    c.client_id = std::move(client_id);
    c.clean_start = false;
    c.username = std::move(user);
    c.will = std::move(will);
    c.props.session_expiry_interval = 60;
    send(id, c);
    auto packets = take(id);
    if (packets.empty() || !std::holds_alternative<Connack>(packets[0])) {
      ADD_FAILURE() << "no CONNACK";
      return id;
    }
    last_connack_ = std::get<Connack>(packets[0]);
    clients_[id].received.assign(packets.begin() + 1, packets.end());
    return id;
  }

  void subscribe(ConnId id, std::string filter, QoS qos = QoS::at_least_once,
                 SubscribeOptions o = {}) {
    o.max_qos = qos;
    send(id, Subscribe{1, {}, {{std::move(filter), o}}});
    const auto ack = take_one<Suback>(id);
    ASSERT_EQ(ack.reasons.size(), 1u);
    ASSERT_EQ(ack.reasons[0], static_cast<ReasonCode>(qos));
  }

  static Publish msg(std::string topic, std::string payload, QoS qos = QoS::at_most_once,
                     PacketId id = 0, bool retain = false) {
    return Publish{false, qos, retain, std::move(topic), id, {}, Payload(std::move(payload))};
  }

  MqttOptions options_;
  AllowAll auth_;
  std::unique_ptr<Broker> broker_;
  std::map<ConnId, Client> clients_;
  std::uint64_t next_conn_ = 1;
  TimePoint now_{};
  Connack last_connack_;
  std::vector<InterceptAction> intercepted_;
  std::vector<DeliveredAction> delivered_;
  std::vector<ConnId> gone_;
  std::vector<ConnId> keep_alives_;
  std::vector<ConnId> accepted_;
};

// --- CONNECT ---

TEST_F(BrokerTest, AcceptsConnectAndAnnouncesItsLimits) {
  options_.receive_maximum = 7;
  connect("c1");
  EXPECT_EQ(last_connack_.reason, ReasonCode::success);
  EXPECT_FALSE(last_connack_.session_present);
  EXPECT_EQ(last_connack_.props.receive_maximum, 7);
  EXPECT_EQ(last_connack_.props.maximum_packet_size, 256u * 1024);
  EXPECT_EQ(last_connack_.props.topic_alias_maximum, 10);
  EXPECT_EQ(last_connack_.props.shared_subscription_available, 1);
  EXPECT_EQ(broker().metrics().connects_accepted, 1u);
}

TEST_F(BrokerTest, RefusesAnonymousClientsUnlessAllowed) {
  options_.allow_anonymous = false;
  const ConnId v3 = connect("c", Version::v3_1_1);
  EXPECT_EQ(last_connack_.reason, ReasonCode::not_authorized);  // 3.1.1 return code 5
  EXPECT_TRUE(clients_[v3].closed);
  EXPECT_EQ(broker().metrics().connects_rejected, 1u);
  EXPECT_EQ(broker().connection_count(), 0u);
}

TEST_F(BrokerTest, AuthenticatorDecidesBadCredentials) {
  struct Deny : Authenticator {
    Result<Identity> authenticate(const Credentials& c) override {
      if (c.password == "ok") return Identity{std::string(*c.username)};
      return fail(errc::bad_user_name_or_password);
    }
  } deny;
  broker_ = std::make_unique<Broker>(options_, deny, auth_);
  const ConnId id = open();
  Connect c;
  c.client_id = "c";
  c.username = "alice";
  c.password = "wrong";
  send(id, c);
  EXPECT_EQ(take_one<Connack>(id).reason, ReasonCode::bad_user_name_or_password);
  EXPECT_TRUE(clients_[id].closed);
  const ConnId ok = open();
  c.password = "ok";
  send(ok, c);
  EXPECT_EQ(take_one<Connack>(ok).reason, ReasonCode::success);
}

TEST_F(BrokerTest, AnIdentityGrantedAReceiveMaximumIsToldItAndHeldToItOthersGetTheOption) {
  struct Peers : Authenticator {
    Result<Identity> authenticate(const Credentials& c) override {
      return Identity{std::string(*c.username), *c.username == "peer" ? std::uint16_t{2} : std::uint16_t{0}};
    }
  } peers;
  options_.receive_maximum = 1;
  broker_ = std::make_unique<Broker>(options_, peers, auth_);
  auto connect_as = [&](const char* user) {
    const ConnId id = open();
    Connect c;
    c.client_id = user;
    c.username = user;
    c.password = "x";
    send(id, c);
    EXPECT_EQ(take_one<Connack>(id).props.receive_maximum, std::string_view(user) == "peer" ? 2 : 1) << user;
    return id;
  };
  const ConnId peer = connect_as("peer"), client = connect_as("client");
  send(peer, msg("t", "1", QoS::exactly_once, 1));
  take(peer);
  send(peer, msg("t", "2", QoS::exactly_once, 2));
  take(peer);
  EXPECT_FALSE(clients_[peer].closed) << "two unacknowledged are within the peer's grant";
  send(peer, msg("t", "3", QoS::exactly_once, 3));
  EXPECT_EQ(take_one<Disconnect>(peer).reason, ReasonCode::receive_maximum_exceeded);
  send(client, msg("t", "1", QoS::exactly_once, 1));
  take(client);
  send(client, msg("t", "2", QoS::exactly_once, 2));
  EXPECT_EQ(take_one<Disconnect>(client).reason, ReasonCode::receive_maximum_exceeded);
}

TEST_F(BrokerTest, AnswersUnsupportedProtocolLevelWith311Connack) {
  const ConnId id = open(Version::v3_1_1);
  send_bytes(id, {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x06, 0x02, 0x00, 0x3C, 0x00,
                  0x01, 'c'});
  EXPECT_EQ(take_one<Connack>(id).reason, ReasonCode::unsupported_protocol_version);
  EXPECT_TRUE(clients_[id].closed);
}

TEST_F(BrokerTest, AssignsAClientIdentifierOn5AndRefusesAnEmptyOneWithSessionOn311) {
  connect("");
  ASSERT_TRUE(last_connack_.props.assigned_client_identifier);
  EXPECT_FALSE(last_connack_.props.assigned_client_identifier->empty());
  const ConnId v3 = connect("", Version::v3_1_1, false);
  EXPECT_EQ(last_connack_.reason, ReasonCode::client_identifier_not_valid);
  EXPECT_TRUE(clients_[v3].closed);
}

TEST_F(BrokerTest, RefusesConnectionsOverTheLimit) {
  options_.max_connections = 1;
  connect("a");
  const ConnId b = connect("b");
  EXPECT_EQ(last_connack_.reason, ReasonCode::server_busy);
  EXPECT_TRUE(clients_[b].closed);
}

TEST_F(BrokerTest, ClosesConnectionsThatNeverSendConnect) {
  const ConnId id = open();
  now_ += 9s;
  broker().tick(now_);
  drain();
  EXPECT_FALSE(clients_[id].closed);
  now_ += 1s;
  broker().tick(now_);
  drain();
  EXPECT_TRUE(clients_[id].closed);
  EXPECT_EQ(clients_[id].close_reason, make_error_code(errc::connect_timeout));
}

// --- bad input ---

TEST_F(BrokerTest, MalformedPacketClosesWithDisconnect0x81AndIsCounted) {
  const ConnId id = connect("c");
  send_bytes(id, {0x30, 0x04, 0x00, 0x01, '#', 0x00});  // wildcard in a topic name
  EXPECT_EQ(take_one<Disconnect>(id).reason, ReasonCode::malformed_packet);
  EXPECT_TRUE(clients_[id].closed);
  EXPECT_EQ(clients_[id].close_reason, make_error_code(errc::invalid_topic_name));
  EXPECT_EQ(broker().metrics().malformed_packets, 1u);
  send_bytes(id, {0xC0, 0x00});  // bytes after close are ignored
  EXPECT_TRUE(take(id).empty());
}

TEST_F(BrokerTest, MalformedPacketOn311ClosesWithoutDisconnect) {
  const ConnId id = connect("c", Version::v3_1_1);
  send_bytes(id, {0x62, 0x02, 0x00, 0x00});  // PUBREL with packet id 0
  EXPECT_TRUE(take(id).empty());
  EXPECT_TRUE(clients_[id].closed);
  EXPECT_EQ(broker().metrics().malformed_packets, 1u);
}

TEST_F(BrokerTest, OversizePacketClosesWith0x95BeforeTheBodyArrives) {
  options_.max_packet_size = 64;
  const ConnId id = connect("c");
  send_bytes(id, {0x30, 0xC8, 0x01});  // PUBLISH header announcing 200 bytes
  EXPECT_EQ(take_one<Disconnect>(id).reason, ReasonCode::packet_too_large);
  EXPECT_EQ(broker().metrics().packets_too_large, 1u);
}

TEST_F(BrokerTest, MalformedConnectOn5GetsAConnackWithTheReason) {
  const ConnId id = open();
  // CONNECT level 5 with the reserved flag bit set.
  send_bytes(id, {0x10, 0x0E, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x03, 0x00, 0x3C, 0x00,
                  0x00, 0x01, 'c'});
  EXPECT_EQ(take_one<Connack>(id).reason, ReasonCode::malformed_packet);
  EXPECT_TRUE(clients_[id].closed);
}

TEST_F(BrokerTest, FirstPacketMustBeConnect) {
  const ConnId id = open();
  send_bytes(id, {0xC0, 0x00});
  EXPECT_TRUE(clients_[id].closed);
  EXPECT_EQ(broker().metrics().protocol_errors, 1u);
}

TEST_F(BrokerTest, SecondConnectIsAProtocolError) {
  const ConnId id = connect("c");
  Connect again;
  again.client_id = "c";
  send(id, again);
  EXPECT_EQ(take_one<Disconnect>(id).reason, ReasonCode::protocol_error);
}

// --- QoS flows ---

TEST_F(BrokerTest, RoutesQos0ThroughWildcards) {
  const ConnId sub = connect("sub");
  subscribe(sub, "a/+", QoS::at_most_once);
  const ConnId pub = connect("pub");
  send(pub, msg("a/b", "hi"));
  send(pub, msg("a/b/c", "no"));
  const auto p = take_one<Publish>(sub);
  EXPECT_EQ(p.topic, "a/b");
  EXPECT_EQ(p.payload.view(), "hi");
  EXPECT_TRUE(take(pub).empty());
}

TEST_F(BrokerTest, Qos1BothWays) {
  const ConnId sub = connect("sub");
  subscribe(sub, "t", QoS::at_least_once);
  const ConnId pub = connect("pub");
  send(pub, msg("t", "m", QoS::at_least_once, 5));
  EXPECT_EQ(take_one<PubAck>(pub).packet_id, 5);
  const auto p = take_one<Publish>(sub);
  EXPECT_EQ(p.qos, QoS::at_least_once);
  EXPECT_NE(p.packet_id, 0);
  EXPECT_FALSE(p.dup);
  send(sub, PubAck{p.packet_id, ReasonCode::success, {}});
  EXPECT_TRUE(take(sub).empty());
}

TEST_F(BrokerTest, Qos2InboundRoutesOnceAndCompletesOnPubrel) {
  const ConnId sub = connect("sub");
  subscribe(sub, "t", QoS::at_most_once);
  const ConnId pub = connect("pub");
  send(pub, msg("t", "m", QoS::exactly_once, 9));
  EXPECT_EQ(take_one<PubRec>(pub).packet_id, 9);
  Publish dup = msg("t", "m", QoS::exactly_once, 9);
  dup.dup = true;
  send(pub, dup);  // a retransmission before PUBREL: acknowledged, not routed again
  EXPECT_EQ(take_one<PubRec>(pub).packet_id, 9);
  EXPECT_EQ(take(sub).size(), 1u);
  send(pub, PubRel{9, ReasonCode::success, {}});
  EXPECT_EQ(take_one<PubComp>(pub).reason, ReasonCode::success);
  send(pub, PubRel{9, ReasonCode::success, {}});
  EXPECT_EQ(take_one<PubComp>(pub).reason, ReasonCode::packet_identifier_not_found);
}

TEST_F(BrokerTest, Qos2OutboundHandshake) {
  const ConnId sub = connect("sub");
  subscribe(sub, "t", QoS::exactly_once);
  const ConnId pub = connect("pub");
  send(pub, msg("t", "m", QoS::exactly_once, 1));
  const auto p = take_one<Publish>(sub);
  EXPECT_EQ(p.qos, QoS::exactly_once);
  send(sub, PubRec{p.packet_id, ReasonCode::success, {}});
  EXPECT_EQ(take_one<PubRel>(sub).packet_id, p.packet_id);
  send(sub, PubComp{p.packet_id, ReasonCode::success, {}});
  EXPECT_TRUE(take(sub).empty());
}

TEST_F(BrokerTest, DeliversAtTheLowerOfPublishAndSubscriptionQos) {
  const ConnId sub = connect("sub");
  subscribe(sub, "t", QoS::at_most_once);
  const ConnId pub = connect("pub");
  send(pub, msg("t", "m", QoS::exactly_once, 1));
  EXPECT_EQ(take_one<Publish>(sub).qos, QoS::at_most_once);
}

TEST_F(BrokerTest, InflightWindowHonoursTheClientsReceiveMaximum) {
  Properties props;
  props.receive_maximum = 2;
  const ConnId sub = connect("sub", Version::v5, true, 0, std::nullopt, props);
  subscribe(sub, "t");
  const ConnId pub = connect("pub");
  for (int i = 1; i <= 5; ++i) send(pub, msg("t", std::to_string(i), QoS::at_least_once, static_cast<PacketId>(i)));
  auto first = take(sub);
  ASSERT_EQ(first.size(), 2u);
  send(sub, PubAck{std::get<Publish>(first[0]).packet_id, ReasonCode::success, {}});
  const auto third = take_one<Publish>(sub);
  EXPECT_EQ(third.payload.view(), "3");
}

TEST_F(BrokerTest, ClosesAClientThatExceedsOurReceiveMaximum) {
  options_.receive_maximum = 1;
  const ConnId pub = connect("pub");
  send(pub, msg("t", "1", QoS::exactly_once, 1));
  take(pub);
  send(pub, msg("t", "2", QoS::exactly_once, 2));
  EXPECT_EQ(take_one<Disconnect>(pub).reason, ReasonCode::receive_maximum_exceeded);
}

// --- sessions ---

TEST_F(BrokerTest, ResumedSessionRedeliversUnacknowledgedWithDupThenQueued) {
  ConnId sub = connect("sub", Version::v3_1_1, false);
  subscribe(sub, "t");
  const ConnId pub = connect("pub");
  send(pub, msg("t", "1", QoS::at_least_once, 1));
  const auto first = take_one<Publish>(sub);
  broker().on_close(sub, now_);  // lost before PUBACK
  drain();
  send(pub, msg("t", "2", QoS::at_least_once, 2));
  sub = connect("sub", Version::v3_1_1, false);
  EXPECT_TRUE(last_connack_.session_present);
  auto again = take(sub);
  ASSERT_EQ(again.size(), 2u);
  const auto& redelivered = std::get<Publish>(again[0]);
  EXPECT_TRUE(redelivered.dup);
  EXPECT_EQ(redelivered.packet_id, first.packet_id);
  EXPECT_EQ(redelivered.payload.view(), "1");
  EXPECT_FALSE(std::get<Publish>(again[1]).dup);
  EXPECT_EQ(std::get<Publish>(again[1]).payload.view(), "2");
}

TEST_F(BrokerTest, ResumedSessionResendsPubrel) {
  ConnId sub = connect("sub", Version::v5, false, 60);
  subscribe(sub, "t", QoS::exactly_once);
  const ConnId pub = connect("pub");
  send(pub, msg("t", "1", QoS::exactly_once, 1));
  const auto p = take_one<Publish>(sub);
  send(sub, PubRec{p.packet_id, ReasonCode::success, {}});
  take(sub);
  broker().on_close(sub, now_);
  sub = connect("sub", Version::v5, false, 60);
  EXPECT_EQ(take_one<PubRel>(sub).packet_id, p.packet_id);
}

TEST_F(BrokerTest, SessionTakeoverClosesTheOlderConnection) {
  const ConnId first = connect("same", Version::v5, false, 60);
  subscribe(first, "t");
  const ConnId second = connect("same", Version::v5, false, 60);
  EXPECT_EQ(take_one<Disconnect>(first).reason, ReasonCode::session_taken_over);
  EXPECT_TRUE(clients_[first].closed);
  EXPECT_TRUE(last_connack_.session_present);
  EXPECT_EQ(broker().metrics().session_takeovers, 1u);
  const ConnId pub = connect("pub");
  send(pub, msg("t", "x", QoS::at_most_once));
  EXPECT_EQ(take_one<Publish>(second).payload.view(), "x");
  EXPECT_EQ(broker().session_count(), 2u);
}

TEST_F(BrokerTest, CleanStartDiscardsTheOldSession) {
  ConnId sub = connect("sub", Version::v5, false, 60);
  subscribe(sub, "t");
  send(sub, Disconnect{});
  sub = connect("sub", Version::v5, true, 60);
  EXPECT_FALSE(last_connack_.session_present);
  const ConnId pub = connect("pub");
  send(pub, msg("t", "x"));
  EXPECT_TRUE(take(sub).empty());
  EXPECT_EQ(broker().subscription_count(), 0u);
}

TEST_F(BrokerTest, SessionExpiresAfterItsInterval) {
  const ConnId sub = connect("sub", Version::v5, false, 10);
  subscribe(sub, "t");
  send(sub, Disconnect{});
  EXPECT_EQ(broker().session_count(), 1u);
  now_ += 9s;
  broker().tick(now_);
  EXPECT_EQ(broker().session_count(), 1u);
  now_ += 1s;
  broker().tick(now_);
  EXPECT_EQ(broker().session_count(), 0u);
  EXPECT_EQ(broker().subscription_count(), 0u);
  EXPECT_EQ(broker().metrics().sessions_expired, 1u);
}

TEST_F(BrokerTest, SessionWithoutExpiryEndsAtDisconnect) {
  const ConnId c = connect("c", Version::v3_1_1, true);
  subscribe(c, "t");
  broker().on_close(c, now_);
  EXPECT_EQ(broker().session_count(), 0u);
  EXPECT_EQ(broker().subscription_count(), 0u);
}

TEST_F(BrokerTest, DisconnectMayNotRaiseSessionExpiryFromZero) {
  const ConnId c = connect("c");
  Disconnect d;
  d.props.session_expiry_interval = 30;
  send(c, d);
  EXPECT_EQ(take_one<Disconnect>(c).reason, ReasonCode::protocol_error);
}

TEST_F(BrokerTest, OfflineQueueIsBounded) {
  options_.max_queued_messages = 2;
  const ConnId sub = connect("sub", Version::v5, false, 60);
  subscribe(sub, "t");
  send(sub, Disconnect{});
  const ConnId pub = connect("pub");
  for (int i = 1; i <= 3; ++i) send(pub, msg("t", "m", QoS::at_least_once, static_cast<PacketId>(i)));
  EXPECT_EQ(broker().metrics().messages_dropped, 1u);
  const ConnId back = connect("sub", Version::v5, false, 60);
  EXPECT_EQ(take(back).size(), 2u);
}

TEST_F(BrokerTest, Qos0IsNeverQueuedForAnOfflineSession) {
  // What keeps ephemeral signals (typing, server-published at QoS 0) from being stored.
  const ConnId sub = connect("sub", Version::v5, false, 60);
  subscribe(sub, "t/7/typing");
  send(sub, Disconnect{});
  Message m;
  m.topic = "t/7/typing";
  m.payload = Payload(std::string("x"));
  broker().publish(std::move(m), now_);
  const ConnId pub = connect("pub");
  send(pub, msg("t/7/typing", "y", QoS::at_most_once));
  const ConnId back = connect("sub", Version::v5, false, 60);
  EXPECT_TRUE(last_connack_.session_present);
  EXPECT_TRUE(take(back).empty()) << "nothing stored while offline";
  send(pub, msg("t/7/typing", "z", QoS::at_most_once));
  EXPECT_EQ(take(back).size(), 1u) << "live again";
}

// --- retained messages, wills ---

TEST_F(BrokerTest, RetainedMessagesGoToNewSubscribersWithRetainSet) {
  const ConnId pub = connect("pub");
  send(pub, msg("r/a", "kept", QoS::at_least_once, 1, true));
  take(pub);
  EXPECT_EQ(broker().retained_count(), 1u);
  const ConnId sub = connect("sub");
  send(sub, Subscribe{1, {}, {{"r/#", {QoS::at_least_once}}}});
  auto got = take(sub);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<Suback>(got[0]));
  const auto& p = std::get<Publish>(got[1]);
  EXPECT_TRUE(p.retain);
  EXPECT_EQ(p.payload.view(), "kept");
  // Live delivery to an existing subscriber clears RETAIN (MQTT 5.0 §3.3.1.3).
  send(pub, msg("r/a", "new", QoS::at_most_once, 0, true));
  EXPECT_FALSE(take_one<Publish>(sub).retain);
  // An empty retained payload deletes it.
  send(pub, msg("r/a", "", QoS::at_most_once, 0, true));
  EXPECT_EQ(broker().retained_count(), 0u);
}

TEST_F(BrokerTest, RetainHandlingNeverSkipsRetainedMessages) {
  const ConnId pub = connect("pub");
  send(pub, msg("r", "kept", QoS::at_most_once, 0, true));
  const ConnId sub = connect("sub");
  SubscribeOptions o;
  o.retain_handling = RetainHandling::never;
  subscribe(sub, "r", QoS::at_most_once, o);
  EXPECT_TRUE(take(sub).empty());
}

TEST_F(BrokerTest, WillIsPublishedOnUnexpectedCloseOnly) {
  const ConnId sub = connect("sub");
  subscribe(sub, "will/#", QoS::at_most_once);
  const Will will{"will/a", Payload("gone"), QoS::at_most_once, false, {}};
  const ConnId a = connect("a", Version::v3_1_1, true, 0, will);
  broker().on_close(a, now_);
  drain();
  EXPECT_EQ(take_one<Publish>(sub).payload.view(), "gone");
  const ConnId b = connect("b", Version::v5, true, 0, will);
  send(b, Disconnect{});
  EXPECT_TRUE(take(sub).empty());
  const ConnId c = connect("c", Version::v5, true, 0, will);
  send(c, Disconnect{ReasonCode::disconnect_with_will_message, {}});
  EXPECT_EQ(take(sub).size(), 1u);
  EXPECT_EQ(broker().metrics().wills_published, 2u);
}

TEST_F(BrokerTest, WillDelayWaitsAndIsCancelledByReconnection) {
  const ConnId sub = connect("sub");
  subscribe(sub, "will", QoS::at_most_once);
  Will will{"will", Payload("gone"), QoS::at_most_once, false, {}};
  will.props.will_delay_interval = 5;
  ConnId a = connect("a", Version::v5, false, 60, will);
  broker().on_close(a, now_);
  drain();
  EXPECT_TRUE(take(sub).empty());
  now_ += 5s;
  broker().tick(now_);
  drain();
  EXPECT_EQ(take_one<Publish>(sub).topic, "will");
  // Again, but the client comes back within the delay.
  a = connect("a", Version::v5, false, 60, will);
  broker().on_close(a, now_);
  now_ += 2s;
  connect("a", Version::v5, false, 60);
  now_ += 10s;
  broker().tick(now_);
  drain();
  EXPECT_TRUE(take(sub).empty());
}

TEST_F(BrokerTest, WillIsPublishedWhenTheSessionEndsBeforeTheDelay) {
  const ConnId sub = connect("sub");
  subscribe(sub, "will", QoS::at_most_once);
  Will will{"will", Payload("gone"), QoS::at_most_once, false, {}};
  will.props.will_delay_interval = 100;
  const ConnId a = connect("a", Version::v5, true, 0, will);  // session ends at close
  broker().on_close(a, now_);
  drain();
  EXPECT_EQ(take(sub).size(), 1u);
}

// --- session identity: (user, client id), issue 23 ---

TEST_F(BrokerTest, SameClientIdUnderAnotherUserDoesNotInheritTheSessionOrItsMessages) {
  ConnId one = connect_with("1", "phone");
  subscribe(one, "news", QoS::at_least_once);
  broker().on_close(one, now_);
  drain();
  const ConnId pub = connect("pub");
  send(pub, msg("news", "for user 1", QoS::at_least_once, 5));
  take(pub);
  const ConnId three = connect_with("3", "phone");
  EXPECT_FALSE(last_connack_.session_present) << "user 3 found user 1's session";
  EXPECT_TRUE(take(three).empty()) << "user 3 got user 1's queued message";
  send(pub, msg("news", "live", QoS::at_least_once, 6));
  EXPECT_TRUE(take(three).empty()) << "user 3 got user 1's live message";
  one = connect_with("1", "phone");
  EXPECT_TRUE(last_connack_.session_present);
  const auto queued = take(one);
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(std::get<Publish>(queued[0]).payload.view(), "for user 1");
  EXPECT_EQ(std::get<Publish>(queued[1]).payload.view(), "live");
}

TEST_F(BrokerTest, SameClientIdUnderTwoUsersNeverTakesTheOtherOver) {
  const ConnId one = connect_with("1", "phone");
  const ConnId three = connect_with("3", "phone");
  EXPECT_FALSE(clients_[one].closed);
  EXPECT_FALSE(clients_[three].closed);
  EXPECT_TRUE(take(one).empty());
  EXPECT_EQ(broker().metrics().session_takeovers, 0u);
  EXPECT_EQ(broker().session_count(), 2u);
  // The same user and client id still takes over.
  connect_with("1", "phone");
  EXPECT_TRUE(clients_[one].closed);
  EXPECT_FALSE(clients_[three].closed);
  EXPECT_EQ(broker().metrics().session_takeovers, 1u);
}

TEST_F(BrokerTest, AnonymousClientsAreANamespaceOfTheirOwn) {
  // An Authenticator may name a user "" (AllowAll does, for an empty user name): still not
  // the anonymous namespace.
  const ConnId anonymous = connect_with(std::nullopt, "phone");
  const ConnId empty_user = connect_with("", "phone");
  EXPECT_FALSE(clients_[anonymous].closed);
  EXPECT_FALSE(last_connack_.session_present);
  EXPECT_EQ(broker().session_count(), 2u);
  connect_with(std::nullopt, "phone");
  EXPECT_TRUE(clients_[anonymous].closed);
  EXPECT_FALSE(clients_[empty_user].closed);
}

TEST_F(BrokerTest, ReconnectingUnderAnotherUserDoesNotCancelADelayedWill) {
  const ConnId sub = connect("sub");
  subscribe(sub, "will", QoS::at_most_once);
  Will will{"will", Payload("1 gone"), QoS::at_most_once, false, {}};
  will.props.will_delay_interval = 5;
  const ConnId one = connect_with("1", "phone", will);
  broker().on_close(one, now_);
  drain();
  now_ += 1s;
  connect_with("3", "phone");
  now_ += 5s;
  broker().tick(now_);
  drain();
  EXPECT_EQ(take_one<Publish>(sub).payload.view(), "1 gone");
}

// --- topic aliases (MQTT 5.0 §3.3.2.3.4) ---

TEST_F(BrokerTest, InboundTopicAliasesAreResolved) {
  const ConnId sub = connect("sub");
  subscribe(sub, "long/topic", QoS::at_most_once);
  const ConnId pub = connect("pub");
  Publish first = msg("long/topic", "1");
  first.props.topic_alias = 1;
  send(pub, first);
  Publish second = msg("", "2");
  second.props.topic_alias = 1;
  send(pub, second);
  auto got = take(sub);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(std::get<Publish>(got[1]).topic, "long/topic");
  EXPECT_FALSE(std::get<Publish>(got[1]).props.topic_alias);
}

TEST_F(BrokerTest, InvalidTopicAliasesCloseTheConnection) {
  const ConnId a = connect("a");
  Publish over = msg("t", "x");
  over.props.topic_alias = 11;  // above the maximum of 10 we announced
  send(a, over);
  EXPECT_EQ(take_one<Disconnect>(a).reason, ReasonCode::topic_alias_invalid);
  const ConnId b = connect("b");
  Publish unknown = msg("", "x");
  unknown.props.topic_alias = 3;
  send(b, unknown);
  EXPECT_EQ(take_one<Disconnect>(b).reason, ReasonCode::protocol_error);
}

TEST_F(BrokerTest, OutboundTopicAliasesReplaceRepeatedTopics) {
  Properties props;
  props.topic_alias_maximum = 5;
  const ConnId sub = connect("sub", Version::v5, true, 0, std::nullopt, props);
  subscribe(sub, "t/#", QoS::at_most_once);
  const ConnId pub = connect("pub");
  send(pub, msg("t/x", "1"));
  send(pub, msg("t/x", "2"));
  auto got = take(sub);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(std::get<Publish>(got[0]).topic, "t/x");
  EXPECT_EQ(std::get<Publish>(got[0]).props.topic_alias, 1);
  EXPECT_EQ(std::get<Publish>(got[1]).topic, "");
  EXPECT_EQ(std::get<Publish>(got[1]).props.topic_alias, 1);
}

// --- keep-alive (MQTT 5.0 §3.1.2.10) ---

TEST_F(BrokerTest, KeepAliveClosesAfterOneAndAHalfIntervals) {
  const ConnId id = open();
  Connect c;
  c.client_id = "k";
  c.keep_alive = 10;
  send(id, c);
  take(id);
  now_ += 14s;
  send(id, PingReq{});  // any packet restarts the interval
  EXPECT_EQ(take(id).size(), 1u);
  now_ += 14s;
  broker().tick(now_);
  drain();
  EXPECT_FALSE(clients_[id].closed);
  now_ += 1s;  // 15 s since the PINGREQ
  broker().tick(now_);
  drain();
  EXPECT_EQ(take_one<Disconnect>(id).reason, ReasonCode::keep_alive_timeout);
  EXPECT_TRUE(clients_[id].closed);
  EXPECT_EQ(broker().metrics().keep_alive_timeouts, 1u);
}

TEST_F(BrokerTest, ServerKeepAliveCapsTheClients) {
  options_.max_keep_alive = 30;
  connect("k");  // keep alive 0 asked
  EXPECT_EQ(last_connack_.props.server_keep_alive, 30);
}

TEST_F(BrokerTest, KeepAliveZeroIsHeldToTheDefaultMaximumAndAFiveClientIsTold) {
  for (const Version v : {Version::v5, Version::v3_1_1}) {
    const ConnId id = connect("k", v);  // keep alive 0 asked: "none"
    if (v == Version::v5) {
      EXPECT_EQ(last_connack_.props.server_keep_alive, 300);
    }
    const TimePoint start = now_;
    now_ = start + 449s;
    broker().tick(now_);
    drain();
    EXPECT_FALSE(clients_[id].closed);
    now_ = start + 450s;  // 1.5 x 300 s of silence
    broker().tick(now_);
    drain();
    EXPECT_TRUE(clients_[id].closed) << "a client that asked for no keep-alive is never reaped";
  }
  EXPECT_EQ(broker().metrics().keep_alive_timeouts, 2u);
}

TEST_F(BrokerTest, PartialPacketIsClosedAfterItsTimeoutWhateverTheKeepAlive) {
  options_.max_keep_alive = 0;  // no keep-alive bound at all: only the partial packet counts
  const ConnId id = connect("k");
  const Bytes publish = encode(msg("t", "payload"), Version::v5);
  // Whole packets sent slowly are fine: the clock runs only while a packet is incomplete.
  send_bytes(id, Bytes(publish.begin(), publish.begin() + 3));
  now_ += 59s;
  send_bytes(id, Bytes(publish.begin() + 3, publish.end()));
  now_ += 59s;
  broker().tick(now_);
  drain();
  EXPECT_FALSE(clients_[id].closed);
  // Then the first bytes of one more, and nothing.
  send_bytes(id, Bytes(publish.begin(), publish.begin() + 3));
  now_ += 59s;
  broker().tick(now_);
  drain();
  EXPECT_FALSE(clients_[id].closed);
  now_ += 1s;
  broker().tick(now_);
  drain();
  EXPECT_EQ(take_one<Disconnect>(id).reason, ReasonCode::keep_alive_timeout);
  EXPECT_TRUE(clients_[id].closed);
}

TEST_F(BrokerTest, PacketsBeforeConnackAreBoundedByTheConnectLimitAndAfterByThePacketLimit) {
  options_.max_connect_packet_size = 1024;
  options_.max_packet_size = 4096;
  Connect big;
  big.client_id = "c";
  big.will = Will{"w", Payload(std::string(2000, 'x')), QoS::at_most_once, false, {}};
  const ConnId refused = open();
  const Bytes bytes = encode(big, Version::v5);
  send_bytes(refused, Bytes(bytes.begin(), bytes.begin() + 5));  // the header says 2000+
  EXPECT_TRUE(clients_[refused].closed) << "refused from its fixed header, before the body";
  EXPECT_EQ(broker().metrics().packets_too_large, 1u);
  EXPECT_TRUE(accepted_.empty());
  const ConnId ok = connect("c");
  ASSERT_EQ(accepted_, std::vector<ConnId>{ok});
  const ConnId sub = connect("sub");
  subscribe(sub, "t", QoS::at_most_once);
  send(ok, msg("t", std::string(2000, 'y')));
  EXPECT_EQ(take_one<Publish>(sub).payload.view().size(), 2000u);
  EXPECT_FALSE(clients_[ok].closed);
}

TEST_F(BrokerTest, AcceptedComesOnlyForAnAcceptedConnect) {
  options_.allow_anonymous = false;
  connect("nobody");
  EXPECT_TRUE(accepted_.empty());
  const ConnId id = open();
  Connect c;
  c.client_id = "c";
  c.username = "7";
  send(id, c);
  EXPECT_EQ(accepted_, std::vector<ConnId>{id});
}

TEST_F(BrokerTest, QueueFullDropsAreLoggedPerSessionAtMostOnceAMinute) {
  options_.max_queued_messages = 2;
  const ConnId sub = connect_with("5", "phone");
  subscribe(sub, "news", QoS::at_least_once);
  broker().on_close(sub, now_);
  drain();
  const ConnId pub = connect("pub");
  testing::internal::CaptureStderr();
  for (PacketId i = 1; i <= 5; ++i) send(pub, msg("news", "m", QoS::at_least_once, i));
  now_ += 61s;
  send(pub, msg("news", "m", QoS::at_least_once, 6));
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(broker().metrics().messages_dropped, 4u);
  // The first drop is logged at once; the next two are counted into the line a minute on.
  EXPECT_NE(log.find("user '5' client 'phone' (offline): queue full (mqtt.max_queued_messages = "
                     "2), dropped 1 "),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("dropped 3 "), std::string::npos) << log;
  std::size_t lines = 0;
  for (char ch : log) {
    if (ch == '\n') ++lines;
  }
  EXPECT_EQ(lines, 2u) << log;
}

// --- $-topics, authorization, limits ---

TEST_F(BrokerTest, DollarTopicsAreNotMatchedByFirstLevelWildcardsNorPublishable) {
  const ConnId all = connect("all");
  subscribe(all, "#", QoS::at_most_once);
  const ConnId sys = connect("sys");
  subscribe(sys, "$SYS/#", QoS::at_most_once);
  broker().publish(Message{"$SYS/load", Payload("1"), QoS::at_most_once, false, {}, {}, {}}, now_);
  drain();
  EXPECT_TRUE(take(all).empty());
  EXPECT_EQ(take_one<Publish>(sys).topic, "$SYS/load");
  send(all, msg("$SYS/load", "fake", QoS::at_least_once, 1));
  EXPECT_EQ(take_one<PubAck>(all).reason, ReasonCode::not_authorized);
  EXPECT_TRUE(take(sys).empty());
}

TEST_F(BrokerTest, AuthorizerRefusalsShowInSuback) {
  struct NoSecrets : Authorizer {
    bool can_publish(const Identity&, std::string_view, std::string_view) override { return true; }
    bool can_subscribe(const Identity&, std::string_view, std::string_view f) override {
      return f != "secret";
    }
  } authz;
  broker_ = std::make_unique<Broker>(options_, auth_, authz);
  const ConnId c = connect("c");
  send(c, Subscribe{1, {}, {{"secret", {}}, {"open", {}}, {"$share/g/secret", {}}}});
  EXPECT_EQ(take_one<Suback>(c).reasons,
            (std::vector<ReasonCode>{ReasonCode::not_authorized, ReasonCode::success,
                                     ReasonCode::not_authorized}))
      << "a shared subscription is authorized by its inner filter";
}

TEST_F(BrokerTest, SubscriptionsPerClientAreLimited) {
  options_.max_subscriptions_per_client = 1;
  const ConnId c = connect("c", Version::v3_1_1);
  send(c, Subscribe{1, {}, {{"a", {}}, {"a", {}}, {"b", {}}}});
  EXPECT_EQ(take_one<Suback>(c).reasons,
            (std::vector<ReasonCode>{ReasonCode::success, ReasonCode::success,
                                     ReasonCode::unspecified_error}));  // 0x80 on 3.1.1
}

TEST_F(BrokerTest, NoLocalSuppressesOwnPublications) {
  const ConnId c = connect("c");
  SubscribeOptions o;
  o.no_local = true;
  subscribe(c, "t", QoS::at_most_once, o);
  send(c, msg("t", "x"));
  EXPECT_TRUE(take(c).empty());
}

TEST_F(BrokerTest, UnsubscribeReportsWhetherTheSubscriptionExisted) {
  const ConnId c = connect("c");
  subscribe(c, "t");
  send(c, Unsubscribe{2, {}, {"t", "u"}});
  EXPECT_EQ(take_one<Unsuback>(c).reasons,
            (std::vector<ReasonCode>{ReasonCode::success, ReasonCode::no_subscription_existed}));
  EXPECT_EQ(broker().subscription_count(), 0u);
}

TEST_F(BrokerTest, SubscriptionIdentifiersAreForwarded) {
  const ConnId c = connect("c");
  Subscribe s{1, {}, {{"t", {}}}};
  s.props.subscription_identifiers = {42};
  send(c, s);
  take(c);
  send(c, msg("t", "x"));
  EXPECT_EQ(take_one<Publish>(c).props.subscription_identifiers, std::vector<std::uint32_t>{42});
}

TEST_F(BrokerTest, ShutdownClosesEveryConnectionWithReason) {
  const ConnId a = connect("a");
  const ConnId b = connect("b", Version::v3_1_1);
  broker().shutdown(now_);
  drain();
  EXPECT_EQ(take_one<Disconnect>(a).reason, ReasonCode::server_shutting_down);
  EXPECT_TRUE(take(b).empty());
  EXPECT_TRUE(clients_[a].closed && clients_[b].closed);
  EXPECT_EQ(broker().connection_count(), 0u);
}

TEST_F(BrokerTest, ClientsOfUsersMovedToAnotherServerAreToldToUseIt) {
  const ConnId moved = connect_with("7", "phone");
  const ConnId stays = connect_with("8", "phone");
  const ConnId anonymous = connect("anon");
  const auto n = broker().disconnect_moved([](std::string_view user) { return user == "7"; }, now_);
  drain();
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(take_one<Disconnect>(moved).reason, ReasonCode::use_another_server);
  EXPECT_TRUE(clients_[moved].closed);
  EXPECT_FALSE(clients_[stays].closed);
  EXPECT_FALSE(clients_[anonymous].closed) << "an anonymous client has no user to move";
  EXPECT_EQ(broker().connection_count(), 2u);
}

TEST_F(BrokerTest, AMovedMqtt5ClientIsToldItsNewOwnersAddressAsServerReference) {
  const ConnId moved = connect_with("7", "phone");
  broker().disconnect_moved([](std::string_view user) { return user == "7"; }, now_, SIZE_MAX,
                            [](std::string_view user) { return user == "7" ? std::string("127.0.0.1:7002") : std::string(); });
  drain();
  const auto d = take_one<Disconnect>(moved);
  EXPECT_EQ(d.reason, ReasonCode::use_another_server);
  EXPECT_EQ(d.props.server_reference, std::optional<std::string>("127.0.0.1:7002"));
  EXPECT_TRUE(clients_[moved].closed);
}

TEST_F(BrokerTest, MovedClientsAreClosedAtMostMaxAtATime) {
  for (int i = 0; i < 5; ++i) connect_with("7", "phone" + std::to_string(i));
  const auto moved = [](std::string_view user) { return user == "7"; };
  EXPECT_EQ(broker().disconnect_moved(moved, now_, 2), 2u);
  drain();
  EXPECT_EQ(broker().connection_count(), 3u);
  EXPECT_EQ(broker().disconnect_moved(moved, now_, 2), 2u);
  EXPECT_EQ(broker().disconnect_moved(moved, now_, 2), 1u) << "fewer than max: the pass is over";
  drain();
  EXPECT_EQ(broker().connection_count(), 0u);
  EXPECT_EQ(broker().disconnect_moved(moved, now_, 2), 0u);
}

// --- cross-shard forwarding ---

TEST_F(BrokerTest, ForwardsNothingUnlessForwardingIsOn) {
  const ConnId pub = connect("pub");
  send(pub, msg("t", "x"));
  EXPECT_TRUE(broker().take_forwarded().empty());
}

TEST_F(BrokerTest, ForwardsAcceptedClientPublishesAndWillsInOrder) {
  broker().set_forwarding(true);
  const ConnId pub = connect("pub");
  send(pub, msg("a", "1", QoS::at_least_once, 1, true));
  send(pub, msg("b", "2", QoS::exactly_once, 2));
  send(pub, msg("b", "2", QoS::exactly_once, 2));  // a duplicate QoS 2: routed once
  const Will will{"w", Payload("gone"), QoS::at_most_once, false, {}};
  const ConnId w = connect("w", Version::v5, true, 0, will);
  broker().on_close(w, now_);
  drain();
  const auto fwd = broker().take_forwarded();
  ASSERT_EQ(fwd.size(), 3u);
  EXPECT_EQ(fwd[0]->topic, "a");
  EXPECT_TRUE(fwd[0]->retain);
  EXPECT_EQ(fwd[0]->qos, QoS::at_least_once);
  EXPECT_EQ(fwd[1]->payload.view(), "2");
  EXPECT_EQ(fwd[2]->topic, "w");
  EXPECT_TRUE(broker().take_forwarded().empty());
}

TEST_F(BrokerTest, DoesNotForwardRefusedOrInjectedMessages) {
  struct NoPublish : Authorizer {
    bool can_publish(const Identity&, std::string_view, std::string_view) override {
      return false;
    }
    bool can_subscribe(const Identity&, std::string_view, std::string_view) override {
      return true;
    }
  } deny;
  broker_ = std::make_unique<Broker>(options_, auth_, deny);
  broker().set_forwarding(true);
  const ConnId pub = connect("pub");
  send(pub, msg("t", "x", QoS::at_least_once, 1));
  EXPECT_EQ(take_one<PubAck>(pub).reason, ReasonCode::not_authorized);
  broker().publish(Message{"t", Payload("server"), QoS::at_most_once, false, {}, {}, {}}, now_);
  EXPECT_TRUE(broker().take_forwarded().empty());
}

TEST_F(BrokerTest, ForwardedMessageReachesSubscribersAndRetainedStoreOfAnotherBroker) {
  // Two brokers as two shards: what one forwards, the other injects with publish().
  Broker other(options_, auth_, auth_);
  broker().set_forwarding(true);
  const ConnId sub = connect("sub");
  subscribe(sub, "r/#", QoS::at_least_once);
  const ConnId o = ConnId{1000};
  other.set_forwarding(true);
  other.on_open(o, now_);
  Connect c;
  c.client_id = "pub";
  other.on_bytes(o, encode(Packet(c), Version::v5), now_);
  other.on_bytes(o, encode(Packet(msg("r/x", "kept", QoS::at_least_once, 7, true)), Version::v5),
                 now_);
  other.take_actions();
  for (auto& m : other.take_forwarded()) broker().publish(std::move(m), now_);
  drain();
  const auto p = take_one<Publish>(sub);
  EXPECT_EQ(p.payload.view(), "kept");
  EXPECT_EQ(p.qos, QoS::at_least_once);
  EXPECT_EQ(broker().retained_count(), 1u);
  EXPECT_EQ(other.retained_count(), 1u);
  // Injected messages are not forwarded back.
  EXPECT_TRUE(broker().take_forwarded().empty());
}


// --- the service hooks: intercepted requests and direct pushes ---

class BrokerServiceTest : public BrokerTest {
 protected:
  BrokerServiceTest() {
    broker().set_intercept([](std::string_view topic) { return topic.ends_with("/sync"); });
  }
};

TEST_F(BrokerServiceTest, InterceptedPublishIsNotRoutedAndAckedOnlyOnComplete) {
  const ConnId sub = connect("sub");
  subscribe(sub, "u/1/sync", QoS::at_least_once);
  const ConnId dev = connect("dev");
  send(dev, msg("u/1/sync", "request", QoS::at_least_once, 9));
  EXPECT_TRUE(take(dev).empty()) << "no PUBACK before the service answers";
  EXPECT_TRUE(take(sub).empty()) << "an intercepted request is never routed";
  ASSERT_EQ(intercepted_.size(), 1u);
  EXPECT_EQ(intercepted_[0].conn, dev);
  EXPECT_EQ(intercepted_[0].packet_id, 9);
  EXPECT_EQ(intercepted_[0].client_id, "dev");
  EXPECT_EQ(intercepted_[0].payload.view(), "request");
  broker().complete(dev, 9, ReasonCode::not_authorized);
  drain();
  const auto ack = take_one<PubAck>(dev);
  EXPECT_EQ(ack.packet_id, 9);
  EXPECT_EQ(ack.reason, ReasonCode::not_authorized);
}

TEST_F(BrokerServiceTest, RefusalIsAcknowledgedAsSuccessOn311) {
  const ConnId dev = connect("dev", Version::v3_1_1);
  send(dev, msg("u/1/sync", "request", QoS::at_least_once, 4));
  ASSERT_EQ(intercepted_.size(), 1u);
  broker().complete(dev, 4, ReasonCode::not_authorized);
  drain();
  EXPECT_EQ(take_one<PubAck>(dev).reason, ReasonCode::success) << "MQTT 3.1.1 §3.3.5";
}

TEST_F(BrokerServiceTest, Qos2RequestIsRefusedOn5) {
  const ConnId dev = connect("dev");
  send(dev, msg("u/1/sync", "request", QoS::exactly_once, 3));
  EXPECT_EQ(take_one<PubRec>(dev).reason, ReasonCode::implementation_specific_error);
  EXPECT_TRUE(intercepted_.empty());
}

TEST_F(BrokerServiceTest, PushReachesOnlyItsConnectionAndReportsTheAck) {
  const ConnId a = connect("a");
  subscribe(a, "u/1/deltas", QoS::at_least_once);
  const ConnId b = connect("b");
  subscribe(b, "u/1/deltas", QoS::at_least_once);
  ASSERT_TRUE(broker().push(a, "u/1/deltas", Payload(std::string("batch")), QoS::at_least_once, 77, now_));
  drain();
  EXPECT_TRUE(take(b).empty()) << "a push is not routed";
  const auto p = take_one<Publish>(a);
  EXPECT_EQ(p.payload.view(), "batch");
  EXPECT_TRUE(delivered_.empty());
  send(a, PubAck{p.packet_id, ReasonCode::success, {}});
  ASSERT_EQ(delivered_.size(), 1u);
  EXPECT_EQ(delivered_[0].conn, a);
  EXPECT_EQ(delivered_[0].token, 77u);
  EXPECT_FALSE(broker().push(ConnId{999}, "u/1/deltas", Payload(std::string("x")), QoS::at_least_once, 1, now_));
}

TEST_F(BrokerServiceTest, ConnectionThatMadeRequestsIsReportedGone) {
  const ConnId quiet = connect("quiet");
  const ConnId dev = connect("dev");
  send(dev, msg("u/1/sync", "r", QoS::at_most_once));
  ASSERT_EQ(intercepted_.size(), 1u);
  EXPECT_EQ(intercepted_[0].packet_id, 0) << "QoS 0 needs no completion";
  broker().on_close(quiet, now_);
  drain();
  EXPECT_TRUE(gone_.empty());
  connect("dev");  // takeover closes the old connection
  ASSERT_EQ(gone_.size(), 1u);
  EXPECT_EQ(gone_[0], dev);
}

TEST_F(BrokerServiceTest, PingOfAConnectionThatMadeRequestsIsReportedAfterThePingresp) {
  const ConnId quiet = connect("quiet");
  const ConnId dev = connect("dev");
  send(quiet, PingReq{});
  EXPECT_EQ(take(quiet).size(), 1u);
  EXPECT_TRUE(keep_alives_.empty()) << "no service behind a plain client";
  send(dev, msg("u/1/sync", "r", QoS::at_most_once));
  send(dev, PingReq{});
  const auto packets = take(dev);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<PingResp>(packets[0]));
  ASSERT_EQ(keep_alives_.size(), 1u);
  EXPECT_EQ(keep_alives_[0], dev);
}

TEST_F(BrokerServiceTest, InterceptedPublishCarriesItsRetainFlag) {
  const ConnId dev = connect("dev");
  send(dev, msg("u/1/sync", "r", QoS::at_most_once, 0, true));
  send(dev, msg("u/1/sync", "r", QoS::at_most_once, 0, false));
  ASSERT_EQ(intercepted_.size(), 2u);
  EXPECT_TRUE(intercepted_[0].retain);
  EXPECT_FALSE(intercepted_[1].retain);
}

TEST_F(BrokerServiceTest, HasSubscribersFollowsSubscribeAndUnsubscribe) {
  const ConnId a = connect("a");
  EXPECT_FALSE(broker().has_subscribers("u/1/trace"));
  subscribe(a, "u/+/trace", QoS::at_most_once);
  EXPECT_TRUE(broker().has_subscribers("u/1/trace"));
  EXPECT_FALSE(broker().has_subscribers("u/1/deltas"));
  send(a, Unsubscribe{2, {}, {"u/+/trace"}});
  EXPECT_FALSE(broker().has_subscribers("u/1/trace"));
}

TEST_F(BrokerServiceTest, DropSubscriptionsRemovesOnlyThatUsersFiltersUnderThePrefix) {
  auto connect_as = [&](std::string client_id, std::string user) {
    const ConnId id = open();
    Connect c;
    c.client_id = std::move(client_id);
    c.username = std::move(user);
    send(id, c);
    take(id);
    return id;
  };
  const ConnId ann = connect_as("ann-phone", "1");
  const ConnId bob = connect_as("bob-phone", "2");
  subscribe(ann, "t/7/typing", QoS::at_most_once);
  subscribe(ann, "t/7", QoS::at_most_once);
  subscribe(ann, "t/77/typing", QoS::at_most_once);
  subscribe(ann, "u/1/deltas", QoS::at_least_once);
  subscribe(bob, "t/7/typing", QoS::at_most_once);
  EXPECT_EQ(broker().drop_subscriptions("1", "t/7"), 2u);
  send(bob, msg("t/7/typing", "x"));
  EXPECT_TRUE(take(ann).empty()) << "ann's t/7 subscriptions are gone";
  EXPECT_EQ(take(bob).size(), 1u) << "bob keeps his";
  send(bob, msg("t/77/typing", "y"));
  EXPECT_EQ(take(ann).size(), 1u) << "t/77 is another thread";
  EXPECT_EQ(broker().drop_subscriptions("1", "t/7"), 0u);
}

// --- issue 23: one publish check for PUBLISH and Will, retained bounds ---

// Refuses what IrisAuth refuses, in miniature: "secret/..." to everyone, RETAIN under "own/".
struct Picky : Authorizer {
  bool can_publish(const Identity&, std::string_view, std::string_view t) override {
    return !t.starts_with("secret");
  }
  bool can_retain(const Identity&, std::string_view, std::string_view t) override {
    return !t.starts_with("own/");
  }
  bool can_subscribe(const Identity&, std::string_view, std::string_view) override {
    return true;
  }
};

TEST_F(BrokerTest, WillThatAPublishCouldNotSendRefusesTheConnect) {
  Picky picky;
  broker_ = std::make_unique<Broker>(options_, auth_, picky);
  const ConnId watcher = connect("watcher");
  subscribe(watcher, "#", QoS::at_most_once);
  subscribe(watcher, "$SYS/#", QoS::at_most_once);
  struct Case {
    Will will;
    Version version;
  };
  const std::vector<Case> refused = {
      {{"secret/x", Payload("w"), QoS::at_most_once, false, {}}, Version::v5},
      {{"secret/x", Payload("w"), QoS::at_most_once, false, {}}, Version::v3_1_1},
      {{"$SYS/broker", Payload("w"), QoS::at_least_once, true, {}}, Version::v5},
      {{"own/status", Payload("w"), QoS::at_most_once, true, {}}, Version::v5},
      {{"own/status", Payload("w"), QoS::at_most_once, true, {}}, Version::v3_1_1},
  };
  for (const auto& [will, version] : refused) {
    const ConnId c = connect("dying", version, true, 0, will);
    // 5.0: 0x87; 3.1.1: return code 5, which the decoder reads back as 0x87 too.
    EXPECT_EQ(last_connack_.reason, ReasonCode::not_authorized) << will.topic;
    EXPECT_TRUE(clients_[c].closed);
  }
  // The same topic without RETAIN is a Will a PUBLISH could send.
  const ConnId ok = connect("dying", Version::v5, true, 0,
                            Will{"own/status", Payload("bye"), QoS::at_most_once, false, {}});
  EXPECT_EQ(last_connack_.reason, ReasonCode::success);
  broker().on_close(ok, now_);
  drain();
  EXPECT_EQ(take_one<Publish>(watcher).payload.view(), "bye");
  EXPECT_EQ(broker().retained_count(), 0u);
}

TEST_F(BrokerTest, WillOnAnInterceptedTopicIsRefusedNotRouted) {
  broker().set_intercept([](std::string_view t) { return t == "svc"; });
  const ConnId c =
      connect("c", Version::v5, true, 0, Will{"svc", Payload("x"), QoS::at_least_once, false, {}});
  EXPECT_EQ(last_connack_.reason, ReasonCode::not_authorized);
  EXPECT_TRUE(clients_[c].closed);
  EXPECT_TRUE(intercepted_.empty());
}

TEST_F(BrokerTest, RetainedOverTheUsersQuotaIsRefusedWith0x97AndNotRouted) {
  options_.max_retained_messages_per_user = 1;
  const ConnId sub = connect("sub");
  subscribe(sub, "r/#", QoS::at_least_once);
  const ConnId pub = connect("pub");
  send(pub, msg("r/a", "one", QoS::at_least_once, 1, true));
  EXPECT_EQ(take_one<PubAck>(pub).reason, ReasonCode::success);
  take(sub);
  send(pub, msg("r/b", "two", QoS::at_least_once, 2, true));
  EXPECT_EQ(take_one<PubAck>(pub).reason, ReasonCode::quota_exceeded);
  send(pub, msg("r/c", "three", QoS::exactly_once, 3, true));
  EXPECT_EQ(take_one<PubRec>(pub).reason, ReasonCode::quota_exceeded);
  EXPECT_TRUE(take(sub).empty()) << "a refused message reaches nobody";
  EXPECT_EQ(broker().retained_count(), 1u);
  EXPECT_EQ(broker().metrics().retained_refused, 2u);
  // Replacing the one it has and deleting it are never refused.
  send(pub, msg("r/a", "one again", QoS::at_least_once, 4, true));
  EXPECT_EQ(take_one<PubAck>(pub).reason, ReasonCode::success);
  send(pub, msg("r/a", "", QoS::at_least_once, 5, true));
  EXPECT_EQ(take_one<PubAck>(pub).reason, ReasonCode::success);
  send(pub, msg("r/b", "two", QoS::at_least_once, 6, true));
  EXPECT_EQ(take_one<PubAck>(pub).reason, ReasonCode::success) << "room again";
}

TEST_F(BrokerTest, RetainedOverQuotaFromA311ClientIsDroppedSilentlyOnTheWire) {
  options_.max_retained_bytes = 10;
  const ConnId sub = connect("sub");
  subscribe(sub, "r/#", QoS::at_least_once);
  const ConnId pub = connect("pub", Version::v3_1_1);
  send(pub, msg("r/a", "far too large", QoS::at_least_once, 1, true));
  EXPECT_EQ(take_one<PubAck>(pub).reason, ReasonCode::success);  // 3.1.1 §3.3.5
  EXPECT_TRUE(take(sub).empty());
  EXPECT_EQ(broker().retained_count(), 0u);
  EXPECT_EQ(broker().metrics().retained_refused, 1u);
}

TEST_F(BrokerTest, RetainedWillOverQuotaIsDropped) {
  options_.max_retained_messages = 0;
  const ConnId sub = connect("sub");
  subscribe(sub, "w", QoS::at_most_once);
  const ConnId c =
      connect("c", Version::v5, true, 0, Will{"w", Payload("x"), QoS::at_most_once, true, {}});
  EXPECT_EQ(last_connack_.reason, ReasonCode::success);
  broker().on_close(c, now_);
  drain();
  EXPECT_TRUE(take(sub).empty());
  EXPECT_EQ(broker().metrics().wills_published, 0u);
  EXPECT_EQ(broker().metrics().retained_refused, 1u);
}

TEST_F(BrokerTest, RetainedBoundHoldsAcrossBrokersSharingOneQuota) {
  // Two shards: each admits against the one ledger, forwards only what it admitted, and the
  // other applies the forwarded messages without asking again.
  options_.max_retained_messages = 1;
  RetainedLedger shared(options_);
  Broker other(options_, auth_, auth_);
  broker().set_retained_quota(shared);
  other.set_retained_quota(shared);
  broker().set_forwarding(true);
  other.set_forwarding(true);
  const ConnId a = connect("a");
  send(a, msg("r/a", "1", QoS::at_least_once, 1, true));
  EXPECT_EQ(take_one<PubAck>(a).reason, ReasonCode::success);
  const ConnId o{1000};
  other.on_open(o, now_);
  Connect c;
  c.client_id = "b";
  other.on_bytes(o, encode(Packet(c), Version::v5), now_);
  other.on_bytes(o, encode(Packet(msg("r/b", "2", QoS::at_least_once, 1, true)), Version::v5),
                 now_);
  Decoder d(0xFFFFFFFF, Version::v5);
  for (auto& action : other.take_actions()) {
    if (auto* send_action = std::get_if<SendAction>(&action)) d.put(send_action->bytes);
  }
  std::vector<Packet> got;
  while (true) {
    auto r = d.next();
    ASSERT_TRUE(r);
    if (!*r) break;
    got.push_back(std::move(**r));
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(std::get<PubAck>(got[1]).reason, ReasonCode::quota_exceeded);
  EXPECT_TRUE(other.take_forwarded().empty());
  for (auto& m : broker().take_forwarded()) other.publish(std::move(m), now_);
  EXPECT_EQ(broker().retained_count(), 1u);
  EXPECT_EQ(other.retained_count(), 1u);
  EXPECT_EQ(shared.count(), 1u);
}

// --- issue 23: wildcards, shared subscriptions, refused filters, topic aliases ---

TEST_F(BrokerTest, FirstLevelWildcardsAreAcceptedButNeverSeeIrisOrDollarTopics) {
  const ConnId pub = connect("pub");
  send(pub, msg("u/7/d", "mine", QoS::at_most_once, 0, true));
  send(pub, msg("t/1/typing", "typing", QoS::at_most_once, 0, true));
  send(pub, msg("news/a", "public", QoS::at_most_once, 0, true));
  // Retained at SUBSCRIBE: only the public one.
  const ConnId all = connect("all");
  for (const char* f : {"#", "+/+", "+/7/d", "+/1/#"}) {
    send(all, Subscribe{1, {}, {{f, {QoS::at_most_once}}}});
    auto got = take(all);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(std::get<Suback>(got[0]).reasons[0], ReasonCode::success) << f;
    for (std::size_t i = 1; i < got.size(); ++i) {
      EXPECT_EQ(std::get<Publish>(got[i]).topic, "news/a") << f;
    }
  }
  const ConnId own = connect("own");
  send(own, Subscribe{1, {}, {{"u/7/#", {QoS::at_most_once}}}});
  EXPECT_EQ(take(own).size(), 2u) << "SUBACK and the retained u/7/d";
  send(pub, msg("u/7/d", "x"));
  send(pub, msg("t/1/typing", "x"));
  send(pub, msg("u", "x"));
  send(pub, msg("news/b", "x"));
  const auto got = take(all);
  ASSERT_EQ(got.size(), 1u) << "one delivery, merged over the matching filters";
  EXPECT_EQ(std::get<Publish>(got[0]).topic, "news/b");
  EXPECT_EQ(take_one<Publish>(own).topic, "u/7/d") << "a literal filter still reaches u/";
}

TEST_F(BrokerTest, SharedSubscriptionDeliversEachMessageToOneMemberInTurn) {
  const ConnId a = connect("a");
  const ConnId b = connect("b", Version::v3_1_1);
  subscribe(a, "$share/g/s/#", QoS::at_least_once);
  subscribe(b, "$share/g/s/#", QoS::at_least_once);
  const ConnId other_group = connect("c");
  subscribe(other_group, "$share/h/s/#", QoS::at_most_once);
  const ConnId pub = connect("pub");
  for (int i = 0; i < 4; ++i) send(pub, msg("s/x", std::to_string(i)));
  EXPECT_EQ(take(a).size(), 2u);
  EXPECT_EQ(take(b).size(), 2u);
  EXPECT_EQ(take(other_group).size(), 4u) << "every group gets every message";
  // An offline member (persistent session) is skipped while another is connected.
  const ConnId d = connect("d", Version::v5, false, 60);
  subscribe(d, "$share/g/s/#", QoS::at_least_once);
  broker().on_close(d, now_);
  drain();
  for (int i = 0; i < 4; ++i) send(pub, msg("s/x", std::to_string(i)));
  EXPECT_EQ(take(a).size() + take(b).size(), 4u);
  const ConnId back = connect("d", Version::v5, false, 60);
  EXPECT_TRUE(take(back).empty()) << "nothing was queued for it";
  // Unsubscribing leaves the group.
  send(a, Unsubscribe{3, {}, {"$share/g/s/#"}});
  EXPECT_EQ(take_one<Unsuback>(a).reasons[0], ReasonCode::success);
  send(back, Unsubscribe{3, {}, {"$share/g/s/#"}});
  take(back);
  send(pub, msg("s/x", "only b"));
  EXPECT_TRUE(take(a).empty());
  EXPECT_EQ(take_one<Publish>(b).payload.view(), "only b");
}

TEST_F(BrokerTest, SharedSubscriptionGetsNoRetainedMessagesAndRefusesBadForms) {
  const ConnId pub = connect("pub");
  send(pub, msg("s/a", "kept", QoS::at_most_once, 0, true));
  const ConnId c = connect("c");
  send(c, Subscribe{1, {}, {{"$share/g/s/#", {}}, {"$share//s", {}}, {"$share/g", {}}}});
  EXPECT_EQ(take_one<Suback>(c).reasons,
            (std::vector<ReasonCode>{ReasonCode::success, ReasonCode::topic_filter_invalid,
                                     ReasonCode::topic_filter_invalid}))
      << "no retained message follows the SUBACK";
  SubscribeOptions no_local;
  no_local.no_local = true;
  send(c, Subscribe{2, {}, {{"$share/g/x", no_local}}});
  EXPECT_EQ(take_one<Disconnect>(c).reason, ReasonCode::protocol_error);  // MQTT-3.8.3-4
}

TEST_F(BrokerTest, SharedGroupIsPerBrokerSoEachShardWithMembersDeliversOnce) {
  // Without a SharedGroups directory (set_shared_groups) a broker picks among its own
  // members only, forwarding or not; net/ gives its shards one (broker_shared_groups_test).
  Broker other(options_, auth_, auth_);
  broker().set_forwarding(true);
  const ConnId here1 = connect("here1");
  const ConnId here2 = connect("here2");
  subscribe(here1, "$share/g/s", QoS::at_most_once);
  subscribe(here2, "$share/g/s", QoS::at_most_once);
  const ConnId pub = connect("pub");
  send(pub, msg("s", "x"));
  EXPECT_EQ(take(here1).size() + take(here2).size(), 1u);
  const auto fwd = broker().take_forwarded();
  ASSERT_EQ(fwd.size(), 1u);
}

TEST_F(BrokerTest, DeniedFiltersAreRefusedWithTheirReasonCode) {
  options_.deny_subscribe = {{"private/+", ReasonCode::quota_exceeded},
                             {"#", ReasonCode::not_authorized}};
  const ConnId c = connect("c");
  send(c, Subscribe{1, {}, {{"#", {}}, {"private/+", {}}, {"$share/g/private/+", {}},
                            {"private/a", {}}, {"a/#", {}}}});
  EXPECT_EQ(take_one<Suback>(c).reasons,
            (std::vector<ReasonCode>{ReasonCode::not_authorized, ReasonCode::quota_exceeded,
                                     ReasonCode::quota_exceeded, ReasonCode::success,
                                     ReasonCode::success}))
      << "an entry refuses exactly its filter";
  const ConnId old = connect("old", Version::v3_1_1);
  send(old, Subscribe{1, {}, {{"private/+", {}}}});
  EXPECT_EQ(take_one<Suback>(old).reasons[0], ReasonCode::unspecified_error);  // 0x80
}

TEST_F(BrokerTest, TopicAliasMaximumZeroDisablesAliases) {
  options_.topic_alias_maximum = 0;
  Properties props;
  props.topic_alias_maximum = 5;
  const ConnId c = connect("c", Version::v5, true, 0, std::nullopt, props);
  EXPECT_EQ(last_connack_.props.topic_alias_maximum, 0);
  subscribe(c, "t", QoS::at_most_once);
  send(c, msg("t", "x"));
  EXPECT_FALSE(take_one<Publish>(c).props.topic_alias.has_value()) << "none assigned";
  Publish aliased = msg("t", "y");
  aliased.props.topic_alias = 1;
  send(c, aliased);
  EXPECT_EQ(take_one<Disconnect>(c).reason, ReasonCode::topic_alias_invalid);
}

}  // namespace
}  // namespace iris::mqtt
