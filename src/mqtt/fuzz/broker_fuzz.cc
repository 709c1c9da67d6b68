// libFuzzer target: the Broker driven by a script of events over four connections, from
// raw bytes (malformed anything) to well-formed packets (to get past CONNECT and reach
// the QoS, session, will and alias logic). Checks that nothing crashes, that the broker
// never sends bytes after closing a connection, and that every byte it sends decodes.
//
// Script: repeated [op][conn][arg] triples; some ops consume more bytes.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "mqtt/broker.h"
#include "mqtt/decoder.h"
#include "mqtt/encoder.h"

using namespace iris::mqtt;
using namespace std::chrono_literals;

namespace {

constexpr std::array<const char*, 6> kTopics = {"a", "a/b", "a/b/c", "$SYS/x", "b", "a/c"};
constexpr std::array<const char*, 7> kFilters = {"a", "a/+", "#", "a/#", "+/+", "$SYS/#", "b"};
constexpr std::array<const char*, 3> kClientIds = {"c1", "c2", ""};

struct Conn {
  bool open = false;
  bool closed_by_broker = false;
  Version version = Version::v5;
  std::optional<Decoder> client_decoder;  // decodes what the broker sends
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  MqttOptions options;
  options.allow_anonymous = true;
  options.max_inflight_messages = 3;
  options.receive_maximum = 3;
  options.max_queued_messages = 5;
  options.max_subscriptions_per_client = 4;
  options.max_packet_size = 4096;
  options.topic_alias_maximum = 2;
  AllowAll auth;
  Broker broker(options, auth, auth);
  // Requests on "b" go to a pretend service that answers each one and pushes a reply.
  broker.set_intercept([](std::string_view topic) { return topic == "b"; });
  std::array<Conn, 4> conns;
  std::array<std::uint64_t, 4> generation{};
  TimePoint now{};
  std::size_t i = 0;
  const auto byte = [&]() -> std::uint8_t { return i < size ? data[i++] : 0; };
  const auto conn_id = [&](std::size_t k) { return ConnId{k + 4 * generation[k]}; };

  std::vector<InterceptAction> intercepted;
  const auto drain = [&] {
    for (auto& action : broker.take_actions()) {
      if (auto* s = std::get_if<SendAction>(&action)) {
        const std::size_t k = s->conn.value() % 4;
        Conn& c = conns[k];
        if (!c.open || c.closed_by_broker) std::abort();  // bytes for a closed connection
        if (!c.client_decoder) c.client_decoder.emplace(0xFFFFFFFF, c.version);
        c.client_decoder->put(s->bytes);
        while (true) {
          auto r = c.client_decoder->next();
          if (!r) std::abort();  // the broker sent something a client cannot decode
          if (!*r) break;
        }
      } else if (auto* close = std::get_if<CloseAction>(&action)) {
        const std::size_t k = close->conn.value() % 4;
        conns[k].closed_by_broker = true;
        conns[k].open = false;
      } else if (auto* req = std::get_if<InterceptAction>(&action)) {
        intercepted.push_back(*req);  // answered, and pushed to, after this drain
      }
    }
  };
  const auto send = [&](std::size_t k, const Packet& p) {
    if (!conns[k].open) return;
    broker.on_bytes(conn_id(k), encode(p, conns[k].version), now);
  };

  while (i < size) {
    const std::uint8_t op = byte();
    const std::size_t k = byte() % 4;
    const std::uint8_t arg = byte();
    Conn& c = conns[k];
    switch (op % 12) {
      case 0:  // open a connection and send a valid CONNECT
        if (c.open) break;
        ++generation[k];
        c = Conn{};
        c.open = true;
        c.version = arg & 1 ? Version::v5 : Version::v3_1_1;
        broker.on_open(conn_id(k), now);
        {
          Connect connect;
          connect.version = c.version;
          connect.client_id = kClientIds[(arg >> 1) % kClientIds.size()];
          connect.clean_start = arg & 8;
          connect.keep_alive = arg & 16 ? 5 : 0;
          if (c.version == Version::v5) {
            if (arg & 32) connect.props.session_expiry_interval = 30;
            if (arg & 64) connect.props.receive_maximum = 1;
            if (arg & 128) connect.props.topic_alias_maximum = 2;
          }
          if (arg & 4) {
            connect.will = Will{"a/b", Payload("w"), QoS::at_least_once, (arg & 2) != 0, {}};
            if (c.version == Version::v5 && (arg & 32)) {
              connect.will->props.will_delay_interval = 3;
            }
          }
          send(k, connect);
        }
        break;
      case 1: {  // raw bytes
        const std::size_t n = std::min<std::size_t>(arg, size - i);
        if (c.open) broker.on_bytes(conn_id(k), std::span(data + i, n), now);
        i += n;
        break;
      }
      case 2:  // transport closed
        if (c.open) broker.on_close(conn_id(k), now);
        c.open = false;
        break;
      case 3:
        now += std::chrono::seconds(arg % 8);
        broker.tick(now);
        break;
      case 4: {
        SubscribeOptions o{static_cast<QoS>(arg % 3), (arg & 4) != 0, (arg & 8) != 0,
                           static_cast<RetainHandling>((arg >> 4) % 3)};
        if (c.version != Version::v5) o = SubscribeOptions{o.max_qos};
        send(k, Subscribe{static_cast<PacketId>(1 + arg), {}, {{kFilters[arg % kFilters.size()], o}}});
        break;
      }
      case 5: {
        Publish p{false, static_cast<QoS>(arg % 3), (arg & 4) != 0,
                  kTopics[(arg >> 3) % kTopics.size()], 0, {}, Payload((arg & 64) ? "" : "x")};
        if (p.qos != QoS::at_most_once) p.packet_id = static_cast<PacketId>(1 + (arg & 3));
        if (c.version == Version::v5 && (arg & 128)) {
          p.props.topic_alias = static_cast<std::uint16_t>(1 + (arg & 1));
          if (arg & 2) p.topic.clear();
        }
        send(k, p);
        break;
      }
      case 6: send(k, PubAck{static_cast<PacketId>(1 + arg % 8), ReasonCode::success, {}}); break;
      case 7: send(k, PubRec{static_cast<PacketId>(1 + arg % 8), ReasonCode::success, {}}); break;
      case 8: send(k, PubRel{static_cast<PacketId>(1 + arg % 8), ReasonCode::success, {}}); break;
      case 9: send(k, PubComp{static_cast<PacketId>(1 + arg % 8), ReasonCode::success, {}}); break;
      case 10:
        send(k, Disconnect{arg & 1 ? ReasonCode::disconnect_with_will_message
                                   : ReasonCode::success, {}});
        break;
      case 11:
        if (arg & 1) {
          send(k, Unsubscribe{1, {}, {kFilters[arg % kFilters.size()]}});
        } else {
          broker.publish(Message{kTopics[arg % kTopics.size()], Payload("s"),
                                 static_cast<QoS>(arg % 3), (arg & 2) != 0, {}, {}, {}},
                         now);
        }
        break;
    }
    drain();
    for (auto& req : std::exchange(intercepted, {})) {
      broker.push(req.conn, "a/b", Payload("reply"), QoS::at_least_once, 1, now);
      if (req.packet_id != 0) broker.complete(req.conn, req.packet_id, ReasonCode::success);
    }
    drain();
  }
  broker.shutdown(now);
  drain();
  if (broker.connection_count() != 0) std::abort();
  return 0;
}
