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
                   OnClosed on_closed)
    : link_(ctx, tls),
      decoder_(kMaxPacket, mqtt::Version::v5),
      on_packet_(std::move(on_packet)),
      on_closed_(std::move(on_closed)) {}

asio::awaitable<void> MqttLink::connect(const asio::ip::tcp::endpoint& to, mqtt::Connect connect) {
  co_await link_.connect(to);
  connect.version = mqtt::Version::v5;
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
      break;
    }
    const std::size_t n = co_await link_.read_some(buf);
    if (n == 0) throw std::runtime_error("closed before CONNACK: " + link_.error());
    decoder_.put(std::span<const std::uint8_t>(buf.data(), n));
  }
  asio::co_spawn(link_.executor(), read_loop(), asio::detached);
}

void MqttLink::send(std::initializer_list<mqtt::Packet> packets) {
  mqtt::Bytes out;
  for (const auto& p : packets) mqtt::encode(p, mqtt::Version::v5, out);
  link_.send(out);
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
      on_packet_(**packet);
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
