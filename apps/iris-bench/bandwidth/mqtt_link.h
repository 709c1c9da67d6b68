#pragma once
// MqttLink: an MQTT 5.0 client connection over TLS for the bandwidth replay, on the
// project's codec (mqtt/encoder.h, mqtt/decoder.h). It connects, then hands every packet it
// reads to its owner; the owner decides what to answer (the replay's devices acknowledge
// deltas only after applying them, as the protocol asks).
//
// Threading and lifetime: as TlsLink. A dropped link must stay alive until its io_context
// has run out (its reader coroutine may still be finishing): the replay retires links
// instead of destroying them.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "apps/iris-bench/bandwidth/tls_link.h"
#include "mqtt/decoder.h"
#include "mqtt/packet/packet.h"
#include "mqtt/topic_aliases.h"

namespace iris::bench {

class MqttLink {
 public:
  // The packet and its size on the wire (MQTT bytes, topic alias as sent; TLS not included).
  using OnPacket = std::function<void(mqtt::Packet&, std::size_t wire_bytes)>;
  // Called once when the connection ends while it was not dropped by us.
  using OnClosed = std::function<void(const std::string& why)>;

  // `session` (when given: see TlsSession) must outlive the link.
  MqttLink(asio::io_context& ctx, asio::ssl::context& tls, OnPacket on_packet, OnClosed on_closed,
           TlsSession* session = nullptr);

  void set_handlers(OnPacket on_packet, OnClosed on_closed) {
    on_packet_ = std::move(on_packet);
    on_closed_ = std::move(on_closed);
  }
  // TCP, TLS, CONNECT; returns once CONNACK accepted (throws when refused or on failure),
  // with the reader running. With `topic_aliases`, both sides may replace a topic they
  // already sent with a two-byte alias (MQTT 5.0 3.3.2.3.4), as bandwidth-minded clients do:
  // the link declares up to kTopicAliases to irisd and uses what irisd's CONNACK allows.
  asio::awaitable<void> connect(const asio::ip::tcp::endpoint& to, mqtt::Connect connect,
                                bool topic_aliases = false);
  static constexpr std::uint16_t kTopicAliases = 8;
  // Encodes `packets` and writes them together (one TLS write: pipelined packets share a
  // flight, as a real client sends them). Returns the MQTT bytes of each.
  std::vector<std::size_t> send(std::span<const mqtt::Packet> packets);
  std::vector<std::size_t> send(std::initializer_list<mqtt::Packet> packets) {
    return send(std::span<const mqtt::Packet>(packets.begin(), packets.size()));
  }
  void drop() { dropped_ = true; link_.drop(); }
  const TlsLink& tls() const { return link_; }
  TlsLink& tls() { return link_; }
  bool is_open() const { return link_.is_open(); }

 private:
  asio::awaitable<void> read_loop();

  TlsLink link_;
  mqtt::Decoder decoder_;
  mqtt::TopicAliases aliases_;  // none unless connect() asked for them
  OnPacket on_packet_;
  OnClosed on_closed_;
  bool dropped_ = false;
};

}  // namespace iris::bench
