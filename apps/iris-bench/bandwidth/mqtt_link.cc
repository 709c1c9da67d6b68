#include "apps/iris-bench/bandwidth/mqtt_link.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <stdexcept>

#include "mqtt/encoder.h"

namespace iris::bench {
namespace {

// Larger than any catch-up batch or snapshot the replay receives over MQTT.
constexpr std::uint32_t kMaxPacket = 16 << 20;

}  // namespace

MqttLink::MqttLink(asio::io_context& ctx, asio::ssl::context& tls, OnPacket on_packet,
                   OnClosed on_closed, TlsSession* session)
    : link_(ctx, tls, session),
      decoder_(kMaxPacket, mqtt::Version::v5),
      on_packet_(std::move(on_packet)),
      on_closed_(std::move(on_closed)) {}

asio::awaitable<void> MqttLink::connect(const asio::ip::tcp::endpoint& to, mqtt::Connect connect,
                                        bool topic_aliases) {
  co_await link_.connect(to);
  connect.version = mqtt::Version::v5;
  if (topic_aliases) {
    connect.props.topic_alias_maximum = kTopicAliases;
    aliases_.set_inbound_max(kTopicAliases);
  }
  send({mqtt::Packet(std::move(connect))});
  std::vector<std::uint8_t> buf(64 * 1024);
  while (true) {
    auto packet = decoder_.next();
    if (!packet) throw std::runtime_error("undecodable packet from irisd: " + packet.error().message());
    if (*packet) {
      const auto* ack = std::get_if<mqtt::Connack>(&**packet);
      if (!ack) throw std::runtime_error("expected CONNACK");
      if (ack->reason != mqtt::ReasonCode::success) {
        throw std::runtime_error("CONNACK refused: " + std::string(mqtt::to_string(ack->reason)));
      }
      if (topic_aliases) aliases_.set_outbound_max(ack->props.topic_alias_maximum.value_or(0));
      break;
    }
    const std::size_t n = co_await link_.read_some(buf);
    if (n == 0) throw std::runtime_error("closed before CONNACK: " + link_.error());
    decoder_.put(std::span<const std::uint8_t>(buf.data(), n));
  }
  asio::co_spawn(link_.executor(), read_loop(), asio::detached);
}

std::vector<std::size_t> MqttLink::send(std::span<const mqtt::Packet> packets) {
  mqtt::Bytes out;
  std::vector<std::size_t> sizes;
  sizes.reserve(packets.size());
  for (const auto& p : packets) {
    const std::size_t before = out.size();
    if (const auto* publish = std::get_if<mqtt::Publish>(&p)) {
      mqtt::Publish aliased = *publish;
      aliases_.apply_outgoing(aliased);
      mqtt::encode(mqtt::Packet(std::move(aliased)), mqtt::Version::v5, out);
    } else {
      mqtt::encode(p, mqtt::Version::v5, out);
    }
    sizes.push_back(out.size() - before);
  }
  link_.send(out);
  return sizes;
}

asio::awaitable<void> MqttLink::read_loop() {
  std::vector<std::uint8_t> buf(64 * 1024);
  while (true) {
    while (true) {
      auto packet = decoder_.next();
      if (!packet) {
        link_.drop();
        if (!dropped_) on_closed_("undecodable packet: " + packet.error().message());
        co_return;
      }
      if (!*packet) break;
      const std::size_t wire_bytes = mqtt::encode(**packet, mqtt::Version::v5).size();
      if (auto* publish = std::get_if<mqtt::Publish>(&**packet);
          publish && aliases_.resolve_incoming(*publish)) {
        link_.drop();
        if (!dropped_) on_closed_("PUBLISH with a bad topic alias");
        co_return;
      }
      on_packet_(**packet, wire_bytes);
    }
    const std::size_t n = co_await link_.read_some(buf);
    if (n == 0) {
      if (!dropped_) on_closed_(link_.error().empty() ? "closed by irisd" : link_.error());
      co_return;
    }
    decoder_.put(std::span<const std::uint8_t>(buf.data(), n));
  }
}

}  // namespace iris::bench
