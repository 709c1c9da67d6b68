#include "net/mqtt_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "mqtt/decoder.h"
#include "mqtt/encoder.h"
#include "net/errc.h"

namespace iris::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A blocking MQTT 5.0 client over a real socket, for driving the server from the test thread.
class Client {
 public:
  explicit Client(std::uint16_t port, int receive_buffer = 0) : socket_(io_) {
    socket_.open(tcp::v4());
    if (receive_buffer > 0) socket_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  }

  void send(const mqtt::Packet& p) { asio::write(socket_, asio::buffer(mqtt::encode(p, mqtt::Version::v5))); }

  // The next packet, or nullopt once the server closed the connection.
  std::optional<mqtt::Packet> receive() {
    while (true) {
      auto next = decoder_.next();
      if (!next) return std::nullopt;
      if (*next) return std::move(**next);
      std::array<std::uint8_t, 4096> buf;
      boost::system::error_code ec;
      const std::size_t n = socket_.read_some(asio::buffer(buf), ec);
      if (ec) return std::nullopt;
      decoder_.put(std::span(buf.data(), n));
    }
  }

  template <typename T>
  T expect() {
    auto p = receive();
    if (!p || !std::holds_alternative<T>(*p)) {
      ADD_FAILURE() << "unexpected packet or close";
      return T{};
    }
    return std::get<T>(*p);
  }

  void connect(std::string client_id) {
    mqtt::Connect c;
    c.client_id = std::move(client_id);
    send(c);
    EXPECT_EQ(expect<mqtt::Connack>().reason, mqtt::ReasonCode::success);
  }

  void subscribe(std::string filter, mqtt::QoS qos) {
    mqtt::SubscribeOptions o;
    o.max_qos = qos;
    send(mqtt::Subscribe{1, {}, {{std::move(filter), o}}});
    expect<mqtt::Suback>();
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  mqtt::Decoder decoder_{0xFFFFFFFF, mqtt::Version::v5};
};

mqtt::Publish message(std::string topic, std::string payload) {
  return mqtt::Publish{false, mqtt::QoS::at_most_once, false, std::move(topic), 0, {},
                       mqtt::Payload(std::move(payload))};
}

class MqttServerTest : public ::testing::Test {
 protected:
  MqttServerTest() {
    net_.bind = "127.0.0.1";
    net_.mqtt_port = 0;
    net_.tls_port.reset();
    net_.ws_port.reset();
    mqtt_.allow_anonymous = true;
  }

  std::uint16_t start() {
    server_ = std::make_unique<MqttServer>(net_, mqtt_, auth_, auth_);
    auto ports = server_->start();
    EXPECT_TRUE(ports) << ports.error().message();
    return ports && ports->mqtt ? *ports->mqtt : 0;
  }

  NetOptions net_;
  mqtt::MqttOptions mqtt_;
  mqtt::AllowAll auth_;
  std::unique_ptr<MqttServer> server_;
};

TEST_F(MqttServerTest, DeliversAcrossShardsWhereverClientIdsLand) {
  net_.threads = 4;
  const auto port = start();
  std::vector<std::unique_ptr<Client>> subs;
  for (int i = 0; i < 12; ++i) {
    subs.push_back(std::make_unique<Client>(port));
    subs.back()->connect("sub-" + std::to_string(i));
    subs.back()->subscribe("news/#", mqtt::QoS::at_most_once);
  }
  for (int i = 0; i < 4; ++i) {
    Client pub(port);
    pub.connect("pub-" + std::to_string(i));
    pub.send(message("news/" + std::to_string(i), "m" + std::to_string(i)));
    pub.send(mqtt::Disconnect{});
    EXPECT_FALSE(pub.receive());  // closed after DISCONNECT
  }
  for (auto& s : subs) {
    std::vector<std::string> got;
    for (int i = 0; i < 4; ++i) got.emplace_back(s->expect<mqtt::Publish>().payload.view());
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{"m0", "m1", "m2", "m3"}));
  }
  EXPECT_EQ(server_->metrics().mqtt.connects_accepted, 16u);
}

TEST_F(MqttServerTest, SessionTakeoverWorksFromAnyAcceptingShard) {
  net_.threads = 3;
  const auto port = start();
  // Round-robin accepts put these on different shards; the client id decides the broker.
  auto first = std::make_unique<Client>(port);
  first->connect("same");
  for (int i = 0; i < 3; ++i) {
    Client next(port);
    next.connect("same");
    EXPECT_EQ(first->expect<mqtt::Disconnect>().reason, mqtt::ReasonCode::session_taken_over);
    EXPECT_FALSE(first->receive());
    first = std::make_unique<Client>(port);
    first->connect("same");
    EXPECT_EQ(next.expect<mqtt::Disconnect>().reason, mqtt::ReasonCode::session_taken_over);
  }
  EXPECT_EQ(server_->metrics().mqtt.session_takeovers, 6u);
}

TEST_F(MqttServerTest, ClosesASlowConsumerInsteadOfQueueingWithoutBound) {
  net_.threads = 1;
  net_.max_write_queue_bytes = 64 * 1024;
  const auto port = start();
  Client slow(port, 4096);
  slow.connect("slow");
  slow.subscribe("firehose", mqtt::QoS::at_most_once);
  Client pub(port);
  pub.connect("pub");
  const std::string big(16 * 1024, 'x');
  // Far more than the kernel's socket buffers and the write queue together hold.
  for (int i = 0; i < 2000 && server_->metrics().slow_consumers == 0; ++i) {
    pub.send(message("firehose", big));
  }
  EXPECT_EQ(server_->metrics().slow_consumers, 1u);
  // The publisher is unaffected.
  pub.send(mqtt::PingReq{});
  EXPECT_TRUE(std::holds_alternative<mqtt::PingResp>(*pub.receive()));
}

TEST_F(MqttServerTest, ClosesConnectionsOverTheLimitOnAccept) {
  net_.max_connections = 2;
  const auto port = start();
  Client a(port), b(port);
  a.connect("a");
  b.connect("b");
  Client c(port);
  EXPECT_FALSE(c.receive());  // closed before any byte
  EXPECT_EQ(server_->metrics().connections_refused, 1u);
}

TEST_F(MqttServerTest, StopTellsClientsAndReturns) {
  net_.threads = 2;
  const auto port = start();
  Client a(port), b(port);
  a.connect("a");
  b.connect("b");
  Client silent(port);  // never sends CONNECT
  server_->stop();
  EXPECT_EQ(a.expect<mqtt::Disconnect>().reason, mqtt::ReasonCode::server_shutting_down);
  EXPECT_EQ(b.expect<mqtt::Disconnect>().reason, mqtt::ReasonCode::server_shutting_down);
  EXPECT_FALSE(silent.receive());
}

TEST_F(MqttServerTest, ReportsAListenFailure) {
  const auto port = start();
  net_.mqtt_port = port;  // taken by the first server
  MqttServer second(net_, mqtt_, auth_, auth_);
  auto r = second.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::listen_failed));
}

}  // namespace
}  // namespace iris::net
