#include "client/http_api.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <thread>

#include "client/errc.h"
#include "wire/codec.h"

namespace iris::client {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A one-shot HTTP server on loopback: reads one request, records it, answers `response`.
class OneShotServer {
 public:
  explicit OneShotServer(std::string response) : response_(std::move(response)) {
    thread_ = std::thread([this] {
      tcp::socket s(io_);
      acceptor_.accept(s);
      asio::streambuf buf;
      asio::read_until(s, buf, "\r\n\r\n");
      request_.assign(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
      asio::write(s, asio::buffer(response_));
      boost::system::error_code ec;
      s.shutdown(tcp::socket::shutdown_both, ec);
    });
  }
  ~OneShotServer() { thread_.join(); }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::string& request() const { return request_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_{io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::string response_;
  std::string request_;
  std::thread thread_;
};

std::string http_response(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/vnd.iris.thrift-compact\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

HttpApi api(std::uint16_t port) {
  HttpEndpoint e;
  e.host = "127.0.0.1";
  e.port = port;
  return HttpApi(e, "tok", std::chrono::milliseconds(5000));
}

TEST(HttpApi, FetchesASnapshotWithTheBearerToken) {
  wire::Snapshot snap{core::Epoch{3}, core::Seq{9},
                      {wire::ThreadState{core::ThreadId{5}, "lunch", {core::UserId{1}}, {}, 0, {}}}};
  OneShotServer server(http_response(200, wire::encode(wire::Message{snap})));
  auto got = api(server.port()).snapshot(20);
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(*got, snap);
  EXPECT_NE(server.request().find("GET /v1/snapshot?messages=20 HTTP/1.1"), std::string::npos);
  EXPECT_NE(server.request().find("Authorization: Bearer tok"), std::string::npos);
}

TEST(HttpApi, StatusesMapToClientErrors) {
  {
    OneShotServer server(http_response(401, ""));
    EXPECT_EQ(api(server.port()).snapshot(20).error(), errc::bad_token);
  }
  {
    OneShotServer server(http_response(503, wire::encode(wire::Message{wire::Error{
                                                 std::nullopt, wire::ErrorCode::unavailable, "busy"}})));
    EXPECT_EQ(api(server.port()).snapshot(20).error(), errc::unavailable);
  }
  {
    OneShotServer server(http_response(403, wire::encode(wire::Message{wire::Error{
                                                 std::nullopt, wire::ErrorCode::not_participant, "no"}})));
    EXPECT_EQ(api(server.port()).snapshot(20).error(), errc::not_participant);
  }
  {
    OneShotServer server(http_response(200, "not thrift"));
    EXPECT_EQ(api(server.port()).snapshot(20).error(), errc::protocol);
  }
}

TEST(HttpApi, NobodyListeningIsUnreachable) {
  std::uint16_t port;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  EXPECT_EQ(api(port).snapshot(20).error(), errc::unreachable);
}

TEST(HttpApi, EveryWireErrorCodeHasAClientError) {
  for (int c = 1; c <= 8; ++c) {
    auto ec = to_error(static_cast<wire::ErrorCode>(c));
    EXPECT_EQ(ec.category(), error_category()) << c;
  }
  EXPECT_EQ(to_error(wire::ErrorCode::not_participant), errc::not_participant);
  EXPECT_EQ(to_error(wire::ErrorCode::unknown_thread), errc::unknown_thread);
  EXPECT_EQ(to_error(wire::ErrorCode::rate_limited), errc::unavailable);
  EXPECT_EQ(to_error(wire::ErrorCode::too_large), errc::refused);
}

TEST(HttpApiRoute, TheOwnersMqttAddressIsReadFromTheRouteAnswer) {
  const std::string json = R"({"user":"42","cell":"main","server":"b","mqtt":"127.0.0.1:1884","http":"x"})";
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(json.size()) + "\r\n\r\n" + json);
  const HttpApi http = api(server.port());
  auto owner = http.route_mqtt();
  ASSERT_TRUE(owner) << owner.error().message();
  EXPECT_EQ(*owner, "127.0.0.1:1884");
  EXPECT_NE(server.request().find("GET /v1/route "), std::string::npos);
  EXPECT_NE(server.request().find("Bearer tok"), std::string::npos);
}

TEST(HttpApiRoute, NoDiscoveryIsUnavailableNotAnAddress) {
  OneShotServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  const HttpApi http = api(server.port());
  auto owner = http.route_mqtt();
  ASSERT_FALSE(owner);
  EXPECT_EQ(owner.error(), make_error_code(errc::unavailable));
}

TEST(JsonStringField, FindsTheKeyNotAnEqualValueAndRefusesWhatItCannotRead) {
  EXPECT_EQ(json_string_field(R"({"a":"mqtt","mqtt" : "h:1"})", "mqtt"), "h:1");
  EXPECT_EQ(json_string_field(R"({"mqtt":"h:1"})", "http"), std::nullopt);
  EXPECT_EQ(json_string_field(R"({"mqtt":12})", "mqtt"), std::nullopt);
  EXPECT_EQ(json_string_field(R"({"mqtt":"h:1)", "mqtt"), std::nullopt);
  EXPECT_EQ(json_string_field(R"({"mqtt":"a\"b"})", "mqtt"), std::nullopt);
}

}  // namespace
}  // namespace iris::client

