#include "net/ws_upgrade.h"

#include <gtest/gtest.h>

#include "net/errc.h"

namespace iris::net {
namespace {

HttpRequest read(const std::string& bytes) {
  HttpOptions options;
  HttpRequestReader r(options);
  EXPECT_EQ(r.feed(bytes), HttpRequestReader::Status::done);
  return r.request();
}

constexpr const char* kUpgrade =
    "GET /mqtt HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

TEST(WsUpgrade, ChoosesMqttThenTheOldNameThenNone) {
  EXPECT_EQ(ws_subprotocol(read(std::string(kUpgrade) + "Sec-WebSocket-Protocol: mqttv3.1, mqtt\r\n\r\n")), "mqtt");
  EXPECT_EQ(ws_subprotocol(read(std::string(kUpgrade) + "Sec-WebSocket-Protocol: mqttv3.1\r\n\r\n")), "mqttv3.1");
  EXPECT_EQ(ws_subprotocol(read(std::string(kUpgrade) + "\r\n")), "");
}

TEST(WsUpgrade, APlainRequestIsNotAnUpgrade) {
  EXPECT_EQ(ws_subprotocol(read("GET /mqtt HTTP/1.1\r\nHost: x\r\n\r\n")).error(),
            make_error_code(errc::not_an_upgrade));
}

TEST(WsUpgrade, RefusalIsACompleteHttpResponseWithTheStatusThatClosesTheConnection) {
  const std::string r = ws_refusal(make_error_code(errc::header_too_large));
  EXPECT_TRUE(r.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n")) << r;
  EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos);
  const std::string body = "request header fields too large\n";
  EXPECT_NE(r.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos);
  EXPECT_TRUE(r.ends_with("\r\n\r\n" + body)) << r;
  EXPECT_TRUE(ws_refusal(make_error_code(errc::body_too_large)).starts_with("HTTP/1.1 413 "));
  EXPECT_TRUE(ws_refusal(make_error_code(errc::not_an_upgrade)).starts_with("HTTP/1.1 400 "));
}

}  // namespace
}  // namespace iris::net
