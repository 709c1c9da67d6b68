#include "apps/iris-bench/mqtt_client.h"

#include <netinet/in.h>

#include <boost/asio/write.hpp>
#include <algorithm>
#include <cstring>
#include <utility>

#include "mqtt/decoder.h"
#include "mqtt/encoder.h"

namespace iris::bench {
namespace {

// Largest frame accepted from a broker (the benchmark's packets are a few hundred bytes).
constexpr std::size_t kMaxFrame = 1 << 20;

// PUBACK success (MQTT 5.0 §3.4.2.1): type 4, remaining length 2, packet id; the reason code
// and properties are omitted, which is also the 3.1.1 layout (§3.4).
void append_puback(mqtt::Bytes& out, mqtt::PacketId id) {
  const std::uint8_t b[4] = {0x40, 0x02, static_cast<std::uint8_t>(id >> 8),
                             static_cast<std::uint8_t>(id & 0xFF)};
  out.insert(out.end(), b, b + 4);
}

std::uint16_t u16_at(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

// Reads a variable byte integer (MQTT 5.0 §1.5.5) at `at`; false when malformed or cut.
bool varint_at(std::span<const std::uint8_t> b, std::size_t& at, std::uint32_t& value) {
  value = 0;
  for (int i = 0; i < 4; ++i) {
    if (at >= b.size()) return false;
    const std::uint8_t byte = b[at++];
    value |= std::uint32_t{byte & 0x7Fu} << (7 * i);
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

MqttClient::MqttClient(asio::io_context& ctx, ClientConfig config, ClientHandler& handler)
    : config_(std::move(config)), handler_(handler), socket_(ctx) {}

void MqttClient::start() {
  boost::system::error_code ec;
  socket_.open(config_.broker.protocol(), ec);
  if (!ec && config_.source) {
    // Pick the port at connect time, when the 4-tuple is known (Linux IP_BIND_ADDRESS_NO_PORT):
    // otherwise bind() reserves a port per source address for every connection.
    using NoPort = asio::detail::socket_option::boolean<IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT>;
    socket_.set_option(NoPort(true), ec);
    if (!ec) socket_.bind(asio::ip::tcp::endpoint(*config_.source, 0), ec);
  }
  if (ec) return fail("socket setup: " + ec.message());
  in_.resize(config_.read_buffer);
  socket_.async_connect(config_.broker,
                        [this](const boost::system::error_code& e) { on_connect(e); });
}

void MqttClient::on_connect(const boost::system::error_code& ec) {
  if (ec) return fail("connect: " + ec.message());
  boost::system::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  mqtt::Connect c;
  c.version = config_.version;
  c.clean_start = true;
  c.keep_alive = config_.keep_alive;
  c.client_id = config_.client_id;
  c.username = config_.username;
  c.password = config_.password;
  if (config_.receive_maximum != 0 && config_.version == mqtt::Version::v5) {
    c.props.receive_maximum = config_.receive_maximum;
  }
  mqtt::encode(mqtt::Packet(std::move(c)), config_.version, out_);
  state_ = State::awaiting_connack;
  flush();
  do_read();
}

void MqttClient::do_read() {
  socket_.async_read_some(
      asio::buffer(in_.data() + in_filled_, in_.size() - in_filled_),
      [this](const boost::system::error_code& ec, std::size_t n) { on_read(ec, n); });
}

void MqttClient::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (ec) return fail("read: " + (ec == asio::error::eof ? "closed by the broker" : ec.message()));
  in_filled_ += n;
  const Clock::time_point now = Clock::now();
  const std::span<const std::uint8_t> buf(in_.data(), in_filled_);
  std::size_t pos = 0;
  // Fixed header (MQTT 5.0 §2.1.1): type and flags byte, remaining length varint, body.
  while (in_filled_ - pos >= 2) {
    std::size_t at = pos + 1;
    std::uint32_t length = 0;
    if (!varint_at(buf.first(std::min(in_filled_, pos + 5)), at, length)) {
      if (in_filled_ - pos >= 5) return fail("malformed remaining length");
      break;
    }
    const std::size_t frame = at - pos + length;
    if (frame > kMaxFrame) return fail("packet larger than 1 MiB");
    if (in_filled_ - pos < frame) {
      if (frame > in_.size()) in_.resize(frame);
      break;
    }
    if (!on_frame(buf[pos], buf.subspan(at, length), now)) return;
    pos += frame;
  }
  if (pos > 0) {
    std::memmove(in_.data(), in_.data() + pos, in_filled_ - pos);
    in_filled_ -= pos;
  }
  handler_.on_read_done(*this);
  flush();
  do_read();
}

bool MqttClient::on_frame(std::uint8_t first, std::span<const std::uint8_t> body,
                          Clock::time_point now) {
  const auto type = static_cast<mqtt::PacketType>(first >> 4);
  if (type == mqtt::PacketType::publish && state_ == State::ready) {
    // PUBLISH (MQTT 5.0 §3.3.2): topic, packet id when QoS > 0, 5.0 properties, payload.
    const int qos = (first >> 1) & 0x03;
    if (qos == 2) {
      fail("QoS 2 delivery (the benchmark subscribes at QoS 1)");
      return false;
    }
    if (body.size() < 2) {
      fail("truncated PUBLISH");
      return false;
    }
    std::size_t at = 2 + u16_at(body, 0);
    mqtt::PacketId id = 0;
    if (qos == 1) {
      if (at + 2 > body.size()) {
      fail("truncated PUBLISH");
      return false;
    }
      id = u16_at(body, at);
      at += 2;
    }
    if (config_.version == mqtt::Version::v5) {
      std::uint32_t props = 0;
      if (!varint_at(body, at, props) || at + props > body.size()) {
        {
      fail("truncated PUBLISH properties");
      return false;
    }
      }
      at += props;
    }
    if (at > body.size()) {
      fail("truncated PUBLISH");
      return false;
    }
    if (qos == 1) append_puback(out_, id);
    handler_.on_publish(*this, body.subspan(at), now);
    return state_ != State::failed;
  }
  if (type == mqtt::PacketType::puback && state_ == State::ready) {
    // PUBACK (MQTT 5.0 §3.4.2): packet id, then on 5.0 an optional reason code.
    if (body.size() < 2) {
      fail("truncated PUBACK");
      return false;
    }
    if (body.size() >= 3 && body[2] >= 0x80) {
      {
      fail("PUBACK with failure reason code " + std::to_string(body[2]));
      return false;
    }
    }
    handler_.on_puback(*this, u16_at(body, 0), now);
    return state_ != State::failed;
  }
  return on_control(first, body);
}

bool MqttClient::on_control(std::uint8_t first, std::span<const std::uint8_t> body) {
  auto packet = mqtt::decode_packet(first, body, config_.version, nullptr);
  if (!packet) {
      fail("undecodable packet from the broker: " + packet.error().message());
      return false;
    }
  if (const auto* ack = std::get_if<mqtt::Connack>(&*packet); ack && state_ == State::awaiting_connack) {
    if (ack->reason != mqtt::ReasonCode::success) {
      {
      fail("CONNACK refused: " + std::string(mqtt::to_string(ack->reason)));
      return false;
    }
    }
    receive_maximum_ = ack->props.receive_maximum.value_or(65535);
    keep_alive_ = ack->props.server_keep_alive.value_or(config_.keep_alive);
    if (config_.subscribe_filter.empty()) {
      state_ = State::ready;
      handler_.on_ready(*this);
    } else {
      mqtt::Subscribe s;
      s.packet_id = 1;
      mqtt::Subscription sub;
      sub.filter = config_.subscribe_filter;
      sub.options.max_qos = mqtt::QoS::at_least_once;
      s.subscriptions.push_back(std::move(sub));
      mqtt::encode(mqtt::Packet(std::move(s)), config_.version, out_);
      state_ = State::awaiting_suback;
    }
  } else if (const auto* sub = std::get_if<mqtt::Suback>(&*packet);
             sub && state_ == State::awaiting_suback) {
    if (sub->reasons.size() != 1 || static_cast<std::uint8_t>(sub->reasons[0]) >= 0x80) {
      {
      fail("SUBACK refused the subscription");
      return false;
    }
    }
    state_ = State::ready;
    handler_.on_ready(*this);
  } else if (const auto* d = std::get_if<mqtt::Disconnect>(&*packet)) {
    {
      fail("DISCONNECT from the broker: " + std::string(mqtt::to_string(d->reason)));
      return false;
    }
  } else if (!std::holds_alternative<mqtt::PingResp>(*packet)) {
    {
      fail("unexpected packet type " + std::to_string(first >> 4));
      return false;
    }
  }
  return state_ != State::failed;
}

void MqttClient::flush() {
  if (write_in_flight_ || out_.empty() || state_ == State::failed) return;
  std::swap(out_, writing_);
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [this](const boost::system::error_code& ec, std::size_t) { on_write(ec); });
}

void MqttClient::on_write(const boost::system::error_code& ec) {
  write_in_flight_ = false;
  writing_.clear();
  if (ec) return fail("write: " + ec.message());
  flush();
}

void MqttClient::on_second() {
  if (state_ != State::ready || keep_alive_ == 0) return;
  if (++seconds_since_ping_ < std::max<std::uint32_t>(1, keep_alive_ / 2u)) return;
  seconds_since_ping_ = 0;
  out_.push_back(0xC0);  // PINGREQ (MQTT 5.0 §3.12): type 12, remaining length 0
  out_.push_back(0x00);
  flush();
}

void MqttClient::close() {
  if (state_ == State::failed) return;
  state_ = State::failed;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void MqttClient::fail(const std::string& what) {
  if (state_ == State::failed) return;
  state_ = State::failed;
  boost::system::error_code ignored;
  socket_.close(ignored);
  handler_.on_error(*this, config_.client_id + ": " + what);
}

std::int64_t to_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace iris::bench
