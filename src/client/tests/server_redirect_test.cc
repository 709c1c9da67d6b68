#include "client/server_redirect.h"

#include <gtest/gtest.h>

namespace iris::client {
namespace {

TEST(ServerReference, ParsesHostPortBracketedV6AndABareHostWithTheDefaultPort) {
  EXPECT_EQ(parse_server_reference("127.0.0.1:7002", 1883), (ServerAddress{"127.0.0.1", 7002}));
  EXPECT_EQ(parse_server_reference("[::1]:7003", 1883), (ServerAddress{"::1", 7003}));
  EXPECT_EQ(parse_server_reference("[::1]", 1883), (ServerAddress{"::1", 1883}));
  EXPECT_EQ(parse_server_reference("owner.example", 1883), (ServerAddress{"owner.example", 1883}));
  EXPECT_EQ(parse_server_reference("::1", 1883), (ServerAddress{"::1", 1883}));
  // A list: the first is taken.
  EXPECT_EQ(parse_server_reference("a:1 b:2", 1883), (ServerAddress{"a", 1}));
}

TEST(ServerReference, RefusesWhatIsNotAnAddress) {
  for (const char* bad : {"", " a:1", "a:", ":80", "a:0", "a:65536", "a:x1", "[::1", "[]:1", "[::1]x", "[::1]:"}) {
    EXPECT_FALSE(parse_server_reference(bad, 1883).has_value()) << bad;
  }
}

TEST(ServerRedirect, AReferenceIsFollowedForTheNextConnectionOnly) {
  ServerRedirect r({"edge", 1883}, 3);
  EXPECT_EQ(r.target(), (ServerAddress{"edge", 1883}));
  ASSERT_TRUE(r.follow("10.0.0.2:1884"));
  EXPECT_EQ(r.target(), (ServerAddress{"10.0.0.2", 1884}));
  r.connected();
  // That connection is lost (the owner died): back to the configured server.
  r.ended();
  EXPECT_FALSE(r.redirected());
  EXPECT_EQ(r.target(), (ServerAddress{"edge", 1883}));
}

TEST(ServerRedirect, AtMostMaxHopsInARowThenBackToTheConfiguredServer) {
  ServerRedirect r({"edge", 1883}, 3);
  // Two servers that disagree send the device back and forth, never accepting it.
  EXPECT_TRUE(r.follow("a:1"));
  EXPECT_TRUE(r.follow("b:2"));
  EXPECT_TRUE(r.follow("a:1"));
  EXPECT_FALSE(r.follow("b:2"));
  EXPECT_EQ(r.target(), (ServerAddress{"edge", 1883}));
  // The budget starts again after that.
  EXPECT_TRUE(r.follow("a:1"));
}

TEST(ServerRedirect, AnAcceptedConnectionStartsTheHopsAgain) {
  ServerRedirect r({"edge", 1883}, 2);
  EXPECT_TRUE(r.follow("a:1"));
  EXPECT_TRUE(r.follow("b:2"));
  r.connected();  // b accepted; later the ring moves the user again
  EXPECT_TRUE(r.follow("c:3"));
  EXPECT_TRUE(r.follow("d:4"));
  EXPECT_FALSE(r.follow("e:5"));
}

TEST(ServerRedirect, AnUnparsableReferenceOrZeroHopsIsNotFollowed) {
  ServerRedirect r({"edge", 1883}, 3);
  ASSERT_TRUE(r.follow("a:1"));
  EXPECT_FALSE(r.follow("a:99999"));
  EXPECT_EQ(r.target(), (ServerAddress{"edge", 1883}));
  ServerRedirect never({"edge", 1883}, 0);
  EXPECT_FALSE(never.follow("a:1"));
}

}  // namespace
}  // namespace iris::client
