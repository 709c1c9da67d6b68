#pragma once
// MqttClient: one lean MQTT client connection on Asio, for the load generator. It drives any
// broker: TCP connect (optionally from a chosen source address), TCP_NODELAY, CONNECT, an
// optional SUBSCRIBE, then publishes handed to it and deliveries handed back.
//
// Threading: every call and callback runs on the thread of the io_context passed in (one
// io_context per worker thread). The client and its handler must outlive that context's
// last run; workers own both in vectors destroyed after their thread is joined.
//
// Cost model (the machine's cores are shared with the broker under test): the read buffer is
// allocated once; frames are split in place; PUBLISH and PUBACK, the hot packets, are read
// straight from the frame, other packets go through the Iris decoder (mqtt/decoder.h).
// QoS 1 deliveries are acknowledged automatically. Output is appended to one buffer and
// written with one write per flush; flush() runs after every read, so all acks and new
// publishes caused by one read leave in a single write.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mqtt/packet/types.h"

namespace iris::bench {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct ClientConfig {
  asio::ip::tcp::endpoint broker;
  // Local address to connect from (any port); spreads many connections over 127.0.0.x so
  // they do not exhaust one address's ephemeral ports.
  std::optional<asio::ip::address> source;
  mqtt::Version version = mqtt::Version::v5;
  std::string client_id;
  std::optional<std::string> username;
  std::optional<std::string> password;
  // Seconds; the worker sends PINGREQ at half of it (or of the broker's Server Keep Alive).
  std::uint16_t keep_alive = 300;
  // Sent in CONNECT on 5.0 (MQTT 5.0 §3.1.2.11.3): caps the broker's unacked QoS 1
  // deliveries to this client, so every broker sends with the same window. 0: not sent.
  std::uint16_t receive_maximum = 0;
  // Subscribed at QoS 1 after CONNACK when not empty.
  std::string subscribe_filter;
  // Bytes; a larger frame grows it up to kMaxFrame.
  std::size_t read_buffer = 64 * 1024;
};

class MqttClient;

// Callbacks of one client. `now` is taken once per completed read.
class ClientHandler {
 public:
  virtual ~ClientHandler() = default;
  // After CONNACK, and SUBACK when subscribing.
  virtual void on_ready(MqttClient& client) = 0;
  virtual void on_publish(MqttClient&, std::span<const std::uint8_t> /*payload*/,
                          Clock::time_point /*now*/) {}
  virtual void on_puback(MqttClient&, mqtt::PacketId, Clock::time_point /*now*/) {}
  // After every packet of one read was handled, before this client's flush.
  virtual void on_read_done(MqttClient&) {}
  // The connection is unusable; called at most once.
  virtual void on_error(MqttClient& client, const std::string& what) = 0;
};

class MqttClient {
 public:
  // `handler` and `ctx` must outlive the client.
  MqttClient(asio::io_context& ctx, ClientConfig config, ClientHandler& handler);
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  void start();
  // Packets appended here are sent by the next flush().
  mqtt::Bytes& output() { return out_; }
  void flush();
  // Called once a second by the worker's timer: sends PINGREQ every keep_alive() / 2 s.
  void on_second();
  // Closes the connection at once, without DISCONNECT (as a device that goes offline does);
  // no callback follows.
  void close();

  bool ready() const { return state_ == State::ready; }
  // From CONNACK (MQTT 5.0 §3.2.2.3.3); 65535 when absent or on 3.1.1.
  std::uint16_t receive_maximum() const { return receive_maximum_; }
  // Seconds; the broker's Server Keep Alive if it sent one, else what we asked for.
  std::uint16_t keep_alive() const { return keep_alive_; }
  const ClientConfig& config() const { return config_; }

 private:
  enum class State { connecting, awaiting_connack, awaiting_suback, ready, failed };

  void on_connect(const boost::system::error_code& ec);
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  // Returns false when the connection failed.
  bool on_frame(std::uint8_t first, std::span<const std::uint8_t> body, Clock::time_point now);
  bool on_control(std::uint8_t first, std::span<const std::uint8_t> body);
  void on_write(const boost::system::error_code& ec);
  void fail(const std::string& what);

  ClientConfig config_;
  ClientHandler& handler_;
  asio::ip::tcp::socket socket_;
  State state_ = State::connecting;
  std::uint16_t receive_maximum_ = 65535;
  std::uint16_t keep_alive_ = 0;
  std::vector<std::uint8_t> in_;
  std::size_t in_filled_ = 0;
  mqtt::Bytes out_;      // appended by the workload and by acks
  mqtt::Bytes writing_;  // the buffer of the write in flight; swapped with out_
  bool write_in_flight_ = false;
  std::uint32_t seconds_since_ping_ = 0;
};

std::int64_t to_ns(Clock::time_point t);

}  // namespace iris::bench
