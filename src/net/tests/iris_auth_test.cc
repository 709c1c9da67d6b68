#include "net/iris_auth.h"

#include <gtest/gtest.h>

#include <set>

#include "mqtt/errc.h"

namespace iris::net {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

const sys_seconds kNow{seconds{1'800'000'000}};

struct FakeMembership final : ThreadMembership {
  std::set<std::pair<std::string, std::string>> members;
  bool is_participant(std::string_view user, std::string_view thread) const override {
    return members.count({std::string(user), std::string(thread)}) > 0;
  }
};

class IrisAuthTest : public ::testing::Test {
 protected:
  IrisAuthTest() : signer_("0123456789abcdef0123456789abcdef"), auth_(signer_, members_, [] { return kNow; }) {
    members_.members = {{"7", "100"}, {"8", "100"}};
  }
  Result<mqtt::Identity> connect(std::string_view user, std::string_view client, const std::string& token) {
    return auth_.authenticate(mqtt::Credentials{client, user, token});
  }
  TokenSigner signer_;
  FakeMembership members_;
  IrisAuth auth_;
};

TEST_F(IrisAuthTest, AcceptsAValidTokenForItsUserAndDevice) {
  auto id = connect("7", "phone", signer_.issue({"7", "phone", kNow + seconds{60}}));
  ASSERT_TRUE(id);
  EXPECT_EQ(id->user, "7");
}

TEST_F(IrisAuthTest, RefusesExpiredForgedAndMismatchedTokens) {
  EXPECT_EQ(connect("7", "phone", signer_.issue({"7", "phone", kNow})).error(),
            mqtt::errc::bad_user_name_or_password);
  EXPECT_EQ(connect("7", "phone", "v1.forged.token").error(), mqtt::errc::bad_user_name_or_password);
  const auto token = signer_.issue({"7", "phone", kNow + seconds{60}});
  EXPECT_EQ(connect("8", "phone", token).error(), mqtt::errc::not_authorized) << "another user";
  EXPECT_EQ(connect("7", "laptop", token).error(), mqtt::errc::not_authorized) << "another device";
  EXPECT_EQ(auth_.authenticate(mqtt::Credentials{"phone", std::string_view("7"), std::nullopt}).error(),
            mqtt::errc::bad_user_name_or_password);
}

TEST_F(IrisAuthTest, ACellPeerNeedsThePasswordItsNameAndTheCellSecretMake) {
  const std::string secret = "cell-secret-0123456789";
  EXPECT_EQ(connect("cell:a", "cell-a", cell_link_password(secret, "a")).error(),
            mqtt::errc::bad_user_name_or_password)
      << "a server in no cell takes no peers";
  auth_.accept_cell_peers(secret, 512);
  auto id = connect("cell:a", "cell-a", cell_link_password(secret, "a"));
  ASSERT_TRUE(id);
  EXPECT_EQ(id->user, "cell:a");
  EXPECT_EQ(id->receive_maximum, 512) << "a peer is granted the link window, clients the default";
  EXPECT_EQ(connect("cell:b", "cell-b", cell_link_password(secret, "a")).error(),
            mqtt::errc::bad_user_name_or_password)
      << "a's password names only a";
  EXPECT_EQ(connect("cell:a", "cell-a", cell_link_password("another-secret-0123", "a")).error(),
            mqtt::errc::bad_user_name_or_password);
  EXPECT_EQ(cell_link_password(secret, "a").size(), 64u);
}

TEST_F(IrisAuthTest, OnlyCellPeersPublishOnTheLinkAndNowhereElse) {
  const mqtt::Identity peer{"cell:a"}, user{"7"}, anonymous{""};
  EXPECT_TRUE(auth_.can_publish(peer, "cell-a", "c/fanout"));
  EXPECT_TRUE(auth_.can_publish(peer, "cell-a", "c/typing")) << "typing between the servers of a cell";
  EXPECT_FALSE(auth_.can_subscribe(peer, "cell-a", "c/typing"));
  EXPECT_FALSE(auth_.can_publish(user, "phone", "c/typing")) << "only peers vouch for a typer";
  EXPECT_FALSE(auth_.can_publish(anonymous, "x", "c/typing"));
  EXPECT_FALSE(auth_.can_publish(peer, "cell-a", "u/7/sync"));
  EXPECT_FALSE(auth_.can_publish(peer, "cell-a", "public/x"));
  EXPECT_FALSE(auth_.can_subscribe(peer, "cell-a", "c/fanout"));
  EXPECT_FALSE(auth_.can_subscribe(peer, "cell-a", "#"));
  EXPECT_FALSE(auth_.can_publish(user, "phone", "c/fanout"));
  EXPECT_FALSE(auth_.can_publish(anonymous, "x", "c/fanout")) << "not part of the public space";
}

TEST_F(IrisAuthTest, UserMayUseOnlyItsOwnNamespace) {
  const mqtt::Identity u7{"7"};
  EXPECT_TRUE(auth_.can_subscribe(u7, "c", "u/7/d"));
  EXPECT_TRUE(auth_.can_subscribe(u7, "c", "u/7/#"));
  EXPECT_TRUE(auth_.can_publish(u7, "c", "u/7/send"));
  EXPECT_FALSE(auth_.can_subscribe(u7, "c", "u/8/d"));
  EXPECT_FALSE(auth_.can_publish(u7, "c", "u/8/send"));
  EXPECT_FALSE(auth_.can_subscribe(u7, "c", "u/+/d")) << "a wildcard could reach other users";
  EXPECT_FALSE(auth_.can_subscribe(u7, "c", "u/#"));
  // Issue 23: a first-level wildcard is accepted; the broker never matches it with u/ or t/.
  EXPECT_TRUE(auth_.can_subscribe(u7, "c", "#"));
  EXPECT_TRUE(auth_.can_subscribe(u7, "c", "+/7/d"));
  EXPECT_TRUE(auth_.can_subscribe(u7, "c", "u/7")) << "the namespace root is the user's too";
  EXPECT_FALSE(auth_.can_publish(u7, "c", "public/chat")) << "Iris devices stay in Iris topics";
}

TEST_F(IrisAuthTest, ThreadTopicsAreForParticipantsOnly) {
  EXPECT_TRUE(auth_.can_subscribe(mqtt::Identity{"7"}, "c", "t/100/typing"));
  EXPECT_TRUE(auth_.can_publish(mqtt::Identity{"8"}, "c", "t/100/typing"));
  EXPECT_FALSE(auth_.can_subscribe(mqtt::Identity{"9"}, "c", "t/100/typing"));
  EXPECT_FALSE(auth_.can_subscribe(mqtt::Identity{"7"}, "c", "t/101/typing"));
  EXPECT_FALSE(auth_.can_subscribe(mqtt::Identity{"7"}, "c", "t/+/typing"));
}

TEST_F(IrisAuthTest, ParticipantsPublishOnlyTheTypingTopicOfAThread) {
  EXPECT_TRUE(auth_.can_subscribe(mqtt::Identity{"7"}, "c", "t/100/typing/json"));
  EXPECT_TRUE(auth_.can_subscribe(mqtt::Identity{"7"}, "c", "t/100/#"));
  EXPECT_FALSE(auth_.can_publish(mqtt::Identity{"7"}, "c", "t/100/typing/json"))
      << "the server publishes the JSON twin; a device could forge it";
  EXPECT_FALSE(auth_.can_publish(mqtt::Identity{"7"}, "c", "t/100/presence"));
  EXPECT_FALSE(auth_.can_publish(mqtt::Identity{"7"}, "c", "t/100"));
}

TEST_F(IrisAuthTest, AnonymousClientsGetOnlyThePublicSpace) {
  const mqtt::Identity anon{};
  EXPECT_TRUE(auth_.can_subscribe(anon, "c", "test/topic"));
  EXPECT_TRUE(auth_.can_subscribe(anon, "c", "test/#"));
  EXPECT_TRUE(auth_.can_publish(anon, "c", "a"));
  EXPECT_FALSE(auth_.can_subscribe(anon, "c", "u/7/d"));
  EXPECT_FALSE(auth_.can_publish(anon, "c", "t/100/typing"));
  // Issue 23: accepted, as from any MQTT broker; the broker hides u/, t/ and $ from them.
  EXPECT_TRUE(auth_.can_subscribe(anon, "c", "#"));
  EXPECT_TRUE(auth_.can_subscribe(anon, "c", "+/7/d"));
  EXPECT_FALSE(auth_.can_subscribe(anon, "c", "$SYS/#"));
}

TEST_F(IrisAuthTest, RetainIsRefusedOnIrisTopicsOnly) {
  EXPECT_FALSE(auth_.can_retain(mqtt::Identity{"7"}, "c", "u/7/profile"))
      << "it would replay to every device of the user";
  EXPECT_FALSE(auth_.can_retain(mqtt::Identity{"7"}, "c", "t/100/typing"));
  EXPECT_FALSE(auth_.can_retain(mqtt::Identity{"7"}, "c", "u"));
  EXPECT_TRUE(auth_.can_retain(mqtt::Identity{}, "c", "public/news"));
}

}  // namespace
}  // namespace iris::net
