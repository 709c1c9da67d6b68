// Two Brokers as net/ runs them on two shards: forwarding on, one SharedGroups directory,
// every forwarded message handed to the other broker. Shared subscription groups with members
// on both must get each message exactly once (MQTT 5.0 §4.8.2).
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <set>

#include "mqtt/broker.h"
#include "mqtt/decoder.h"
#include "mqtt/encoder.h"
#include "mqtt/shared_groups.h"

namespace iris::mqtt {
namespace {

class ShardedBrokersTest : public ::testing::Test {
 protected:
  struct Client {
    std::size_t broker = 0;
    Decoder decoder{0xFFFFFFFF, Version::v5};
    std::vector<Packet> received;
    bool closed = false;
  };

  ShardedBrokersTest() {
    options_.allow_anonymous = true;
    for (std::size_t i = 0; i < brokers_.size(); ++i) make_broker(i);
  }

  void make_broker(std::size_t i) {
    brokers_[i] = std::make_unique<Broker>(options_, auth_, auth_);
    brokers_[i]->set_forwarding(true);
    brokers_[i]->set_shared_groups(groups_, static_cast<std::uint32_t>(i));
  }

  // Carries out every broker's actions and hands what each forwarded to the others, until
  // nothing moves; `hold` keeps forwarded messages back instead (returned for later).
  std::vector<std::pair<std::size_t, std::shared_ptr<const Message>>> settle(bool hold = false) {
    std::vector<std::pair<std::size_t, std::shared_ptr<const Message>>> held;
    for (int round = 0; round < 100; ++round) {
      bool moved = false;
      for (std::size_t b = 0; b < brokers_.size(); ++b) {
        if (!brokers_[b]) continue;
        for (auto& action : brokers_[b]->take_actions()) {
          moved = true;
          if (auto* s = std::get_if<SendAction>(&action)) {
            Client& c = clients_[s->conn];
            c.decoder.put(s->bytes);
            while (true) {
              auto r = c.decoder.next();
              if (!r) ADD_FAILURE() << r.error().message();
              if (!r || !*r) break;
              c.received.push_back(std::move(**r));
            }
          } else if (auto* close = std::get_if<CloseAction>(&action)) {
            clients_[close->conn].closed = true;
          }
        }
        for (auto& m : brokers_[b]->take_forwarded()) {
          moved = true;
          for (std::size_t peer = 0; peer < brokers_.size(); ++peer) {
            if (peer == b || !brokers_[peer]) continue;
            if (hold) {
              held.emplace_back(peer, m);
            } else {
              brokers_[peer]->publish(m, now_);
            }
          }
        }
      }
      if (!moved) return held;
    }
    ADD_FAILURE() << "the brokers never settled";
    return held;
  }

  ConnId connect(std::size_t broker, std::string client_id, std::uint32_t expiry = 0) {
    const ConnId id{next_conn_++};
    clients_[id].broker = broker;
    brokers_[broker]->on_open(id, now_);
    Connect c;
    c.version = Version::v5;
    c.client_id = std::move(client_id);
    c.clean_start = expiry == 0;
    if (expiry) c.props.session_expiry_interval = expiry;
    send(id, c);
    auto packets = take(id);
    EXPECT_FALSE(packets.empty() || !std::holds_alternative<Connack>(packets[0])) << "no CONNACK";
    if (!packets.empty()) clients_[id].received.assign(packets.begin() + 1, packets.end());
    return id;
  }

  void send(ConnId id, const Packet& p) {
    brokers_[clients_[id].broker]->on_bytes(id, encode(p, Version::v5), now_);
    settle();
  }

  void subscribe(ConnId id, std::string filter, QoS qos) {
    SubscribeOptions o;
    o.max_qos = qos;
    send(id, Subscribe{1, {}, {{std::move(filter), o}}});
    auto packets = take(id);
    ASSERT_EQ(packets.size(), 1u);
    ASSERT_EQ(std::get<Suback>(packets[0]).reasons.at(0), static_cast<ReasonCode>(qos));
  }

  void publish(ConnId id, std::string topic, std::string payload, QoS qos = QoS::at_most_once) {
    send(id, Publish{false, qos, false, std::move(topic), qos == QoS::at_most_once ? PacketId{0} : next_packet_id_++, {},
                     Payload(std::move(payload))});
    take(id);  // its acknowledgement
  }

  void close(ConnId id) {
    brokers_[clients_[id].broker]->on_close(id, now_);
    settle();
  }

  std::vector<Packet> take(ConnId id) { return std::exchange(clients_[id].received, {}); }

  // The payloads of the PUBLISHes `id` received, acknowledging each (QoS 1: PUBACK; QoS 2:
  // PUBREC, then PUBCOMP for the PUBREL), so no in-flight window fills.
  std::vector<std::string> payloads(ConnId id) {
    std::vector<std::string> out;
    for (int round = 0; round < 10; ++round) {
      auto packets = take(id);
      if (packets.empty()) break;
      for (const auto& p : packets) {
        if (const auto* pub = std::get_if<Publish>(&p)) {
          out.emplace_back(pub->payload.view());
          if (pub->qos == QoS::at_least_once) send(id, PubAck{pub->packet_id, ReasonCode::success, {}});
          if (pub->qos == QoS::exactly_once) send(id, PubRec{pub->packet_id, ReasonCode::success, {}});
        } else if (const auto* rel = std::get_if<PubRel>(&p)) {
          send(id, PubComp{rel->packet_id, ReasonCode::success, {}});
        }
      }
    }
    return out;
  }

  MqttOptions options_;
  AllowAll auth_;
  SharedGroupTable groups_;  // outlives the brokers
  std::array<std::unique_ptr<Broker>, 2> brokers_;
  std::map<ConnId, Client> clients_;
  std::uint64_t next_conn_ = 1;
  PacketId next_packet_id_ = 1;
  TimePoint now_{};
};

TEST_F(ShardedBrokersTest, EachMessageReachesExactlyOneMemberOfTheGroupAcrossBrokers) {
  // Members of "g" on both brokers, at every QoS; "h" has one member, on broker 1.
  const QoS qos[] = {QoS::at_most_once, QoS::at_least_once, QoS::exactly_once, QoS::at_least_once};
  std::vector<ConnId> g;
  for (std::size_t i = 0; i < 4; ++i) {
    g.push_back(connect(i % 2, "g" + std::to_string(i)));
    subscribe(g.back(), "$share/g/s/#", qos[i]);
  }
  const ConnId h = connect(1, "h");
  subscribe(h, "$share/h/s/#", QoS::at_least_once);
  const std::array<ConnId, 2> pub = {connect(0, "pub0"), connect(1, "pub1")};
  constexpr int kMessages = 24;
  for (int i = 0; i < kMessages; ++i) {
    publish(pub[i % 2], "s/" + std::to_string(i), std::to_string(i),
            i % 3 == 0 ? QoS::exactly_once : QoS::at_least_once);
  }
  std::map<std::string, int> seen;
  for (const ConnId m : g) {
    const auto got = payloads(m);
    EXPECT_EQ(got.size(), static_cast<std::size_t>(kMessages / 4)) << "members take turns";
    for (const auto& p : got) ++seen[p];
  }
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kMessages));
  for (const auto& [p, n] : seen) EXPECT_EQ(n, 1) << "message " << p << " reached the group " << n << " times";
  EXPECT_EQ(payloads(h).size(), static_cast<std::size_t>(kMessages)) << "every group gets every message";
}

TEST_F(ShardedBrokersTest, ConnectedMembersOnAnyBrokerComeBeforeOfflineOnes) {
  const ConnId away = connect(0, "away", 600);
  subscribe(away, "$share/g/s", QoS::at_least_once);
  close(away);
  const ConnId here = connect(1, "here");
  subscribe(here, "$share/g/s", QoS::at_least_once);
  const ConnId pub = connect(0, "pub");
  for (int i = 0; i < 4; ++i) publish(pub, "s", std::to_string(i), QoS::at_least_once);
  EXPECT_EQ(payloads(here).size(), 4u);
  // The connected member leaves: the offline one's session keeps what it is chosen for.
  close(here);
  publish(pub, "s", "queued", QoS::at_least_once);
  const ConnId back = connect(0, "away", 600);
  EXPECT_EQ(payloads(back), (std::vector<std::string>{"queued"}));
}

TEST_F(ShardedBrokersTest, AMemberChosenOnABrokerThatLeftMeanwhileIsReplacedOnlyThere) {
  const ConnId b1 = connect(1, "b1");
  subscribe(b1, "$share/g/s", QoS::at_least_once);
  const ConnId b2 = connect(1, "b2");
  subscribe(b2, "$share/g/s", QoS::at_least_once);
  const ConnId a1 = connect(0, "a1");
  subscribe(a1, "$share/g/s", QoS::at_least_once);
  const ConnId pub = connect(0, "pub");
  // Broker 0 chooses b1 (first in turn) and forwards; before broker 1 sees the message, b1
  // unsubscribes there.
  brokers_[0]->on_bytes(pub, encode(Publish{false, QoS::at_least_once, false, "s", 1, {}, Payload("x")},
                                    Version::v5), now_);
  auto held = settle(/*hold=*/true);
  ASSERT_EQ(held.size(), 1u);
  ASSERT_EQ(held[0].second->shared_picks.size(), 1u);
  EXPECT_EQ(held[0].second->shared_picks[0].member, (SharedMember{1, SubscriberId{1}}));
  send(b1, Unsubscribe{2, {}, {"$share/g/s"}});
  brokers_[held[0].first]->publish(held[0].second, now_);
  settle();
  EXPECT_TRUE(payloads(b1).empty());
  EXPECT_EQ(payloads(b2), (std::vector<std::string>{"x"})) << "its own broker stands in";
  EXPECT_TRUE(payloads(a1).empty()) << "never another broker: it may not know";
  // With no member left on the chosen member's broker, the group misses the message rather
  // than risk a second delivery.
  brokers_[0]->on_bytes(pub, encode(Publish{false, QoS::at_least_once, false, "s", 2, {}, Payload("y")},
                                    Version::v5), now_);
  held = settle(/*hold=*/true);
  ASSERT_EQ(held.size(), 1u);
  ASSERT_EQ(held[0].second->shared_picks.size(), 1u);
  EXPECT_EQ(held[0].second->shared_picks[0].member.broker, 1u) << "b2, in turn";
  close(b2);
  brokers_[held[0].first]->publish(held[0].second, now_);
  settle();
  EXPECT_TRUE(payloads(a1).empty());
}

TEST_F(ShardedBrokersTest, ServerMessagesForEveryBrokerAreChosenOnceAndLocalOnesLocally) {
  const ConnId a = connect(0, "a");
  subscribe(a, "$share/g/s", QoS::at_most_once);
  const ConnId b = connect(1, "b");
  subscribe(b, "$share/g/s", QoS::at_most_once);
  for (int i = 0; i < 4; ++i) {
    Message m;
    m.topic = "s";
    m.payload = Payload(std::to_string(i));
    brokers_[1]->publish(std::move(m), now_, Broker::Reach::every_broker);
    settle();
  }
  EXPECT_EQ(payloads(a).size(), 2u);
  EXPECT_EQ(payloads(b).size(), 2u);
  // A this-broker message is not forwarded, so only this broker's members may take it.
  for (int i = 0; i < 4; ++i) {
    Message m;
    m.topic = "s";
    m.payload = Payload("local");
    brokers_[0]->publish(std::move(m), now_);
    settle();
  }
  EXPECT_EQ(payloads(a).size(), 4u);
  EXPECT_TRUE(payloads(b).empty());
}

TEST_F(ShardedBrokersTest, GroupsFollowSessionsThatEndOrBrokersThatGo) {
  const ConnId a = connect(0, "a");
  subscribe(a, "$share/g/s", QoS::at_most_once);
  const ConnId b = connect(1, "b");
  subscribe(b, "$share/g/s", QoS::at_most_once);
  close(b);  // a clean session: it ends, and leaves the group
  const ConnId pub = connect(1, "pub");
  for (int i = 0; i < 3; ++i) publish(pub, "s", std::to_string(i));
  EXPECT_EQ(payloads(a).size(), 3u);
  const ConnId b2 = connect(1, "b2", 600);
  subscribe(b2, "$share/g/s", QoS::at_most_once);
  brokers_[1].reset();  // its sessions go with it
  const ConnId pub0 = connect(0, "pub0");
  for (int i = 0; i < 3; ++i) publish(pub0, "s", std::to_string(i));
  EXPECT_EQ(payloads(a).size(), 3u);
  EXPECT_EQ(groups_.group_count(), 1u);
}

}  // namespace
}  // namespace iris::mqtt
