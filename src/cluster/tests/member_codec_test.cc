#include "cluster/member_codec.h"

#include <gtest/gtest.h>

#include "cluster/membership.h"
#include "cluster/ring_hash.h"

namespace iris::cluster {
namespace {

TEST(MemberCodecTest, DefaultTokensTravelAsTheirCount) {
  const ServerInfo s{"irisd-1", "127.0.0.1:7001", default_tokens("irisd-1", 2048)};
  const auto text = encode_member(s);
  EXPECT_LT(text.size(), 80u);
  const auto back = decode_member("irisd-1", text);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
}

TEST(MemberCodecTest, DeviceEndpointsRoundTrip) {
  ServerInfo s{"irisd-2", "127.0.0.1:7002", default_tokens("irisd-2", 4)};
  s.mqtt = "127.0.0.1:1884";
  s.http = "127.0.0.1:8081";
  const auto back = decode_member("irisd-2", encode_member(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
}

TEST(MemberCodecTest, WebSocketAddressRoundTripsWithOrWithoutTheOthers) {
  ServerInfo s{"irisd-3", "127.0.0.1:7003", default_tokens("irisd-3", 4)};
  s.mqtt = "127.0.0.1:1885";
  s.http = "127.0.0.1:8082";
  s.ws = "127.0.0.1:8083";
  const auto text = encode_member(s);
  EXPECT_NE(text.find("\nws 127.0.0.1:8083\n"), std::string::npos) << text;
  auto back = decode_member("irisd-3", text);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
  s.http.clear();  // a server with a WebSocket listener but no HTTP port
  back = decode_member("irisd-3", encode_member(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
  // A member without a WebSocket listener publishes no ws line and decodes to an empty one.
  s.ws.clear();
  EXPECT_EQ(encode_member(s).find("ws "), std::string::npos);
  back = decode_member("irisd-3", encode_member(s));
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->ws.empty());
}

TEST(MemberCodecTest, ExplicitTokensRoundTrip) {
  const ServerInfo s{"x", "h:1", {0, 1, ~std::uint64_t{0}}};
  const auto back = decode_member("x", encode_member(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
}

TEST(MemberCodecTest, GarbageAndOutOfBoundsAreRefused) {
  EXPECT_FALSE(decode_member("x", ""));
  EXPECT_FALSE(decode_member("x", "iris-member 2\naddress h:1\ntokens default 4\n")) << "unknown version";
  EXPECT_FALSE(decode_member("x", "iris-member 1\naddress h:1\ntokens default 0\n"));
  EXPECT_FALSE(decode_member("x", "iris-member 1\naddress h:1\ntokens default 99999999\n"));
  EXPECT_FALSE(decode_member("x", "iris-member 1\naddress h:1\ntokens list\n"));
  EXPECT_FALSE(decode_member("x", "iris-member 1\naddress h:1\ntokens list 12 zz\n"));
  EXPECT_FALSE(decode_member("x", "iris-member 1\naddress h:1\ntokens default 4 trailing\n"));
  EXPECT_FALSE(decode_member("a/b", "iris-member 1\naddress h:1\ntokens default 4\n"));
  EXPECT_FALSE(decode_member("x", std::string("\x01\x02garbage", 9)));
}

TEST(MemberCodecTest, ALineOfALaterVersionIsSkippedAndKnownOnesStayStrict) {
  const auto back = decode_member("x", "iris-member 1\naddress h:1\nquic h:4433 extra words\nws h:2\ntokens default 4\nzone eu-1\n");
  ASSERT_TRUE(back) << "unknown keys are skipped wherever they are";
  EXPECT_EQ(back->address, "h:1");
  EXPECT_EQ(back->ws, "h:2");
  EXPECT_EQ(back->tokens, default_tokens("x", 4));
  EXPECT_FALSE(decode_member("x", "iris-member 1\naddress h:1\naddress h:2\ntokens default 4\n")) << "twice";
  EXPECT_FALSE(decode_member("x", "iris-member 1\naddress h:1\ntokens default 4\ntokens default 8\n")) << "twice";
  EXPECT_FALSE(decode_member("x", "iris-member 1\ntokens default 4\n")) << "no address";
  EXPECT_FALSE(decode_member("x", "iris-member 1\naddress h:1\n")) << "no tokens";
  EXPECT_FALSE(decode_member("x", "iris-member 1\naddress h:1 h:2\ntokens default 4\n")) << "two values";
  EXPECT_FALSE(decode_member("x", "iris-member 1\naddress h:1\nNOT-A-KEY 1\ntokens default 4\n"));
  EXPECT_FALSE(decode_member("x", std::string("iris-member 1\naddress h:1\n\x01\x02 x\ntokens default 4\n")));
}

TEST(MemberCodecTest, CellConfigRoundTripsAndRefusesGarbage) {
  const auto back = decode_cell(encode_cell({2048}));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->tokens_per_server, 2048u);
  EXPECT_FALSE(decode_cell("iris-cell 1\ntokens 0\n"));
  EXPECT_FALSE(decode_cell("iris-cell 1\n"));
  EXPECT_FALSE(decode_cell("junk"));
}

}  // namespace
}  // namespace iris::cluster
