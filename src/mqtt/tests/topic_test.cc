#include "mqtt/topic.h"

#include <gtest/gtest.h>

namespace iris::mqtt {
namespace {

TEST(TopicName, RejectsEmptyAndWildcards) {
  EXPECT_TRUE(is_valid_topic_name("a"));
  EXPECT_TRUE(is_valid_topic_name("/"));
  EXPECT_TRUE(is_valid_topic_name("$SYS/x"));
  EXPECT_FALSE(is_valid_topic_name(""));
  EXPECT_FALSE(is_valid_topic_name("a/+"));
  EXPECT_FALSE(is_valid_topic_name("a/#"));
  EXPECT_FALSE(is_valid_topic_name("a+b"));
}

TEST(TopicFilter, FollowsTheWildcardPlacementRules) {
  // MQTT 5.0 §4.7.1.2-3 examples.
  for (const char* ok : {"#", "+", "sport/#", "sport/tennis/#", "+/tennis/#", "sport/+/player1",
                         "/+", "+/+", "a//b", "/", "$SYS/#"}) {
    EXPECT_TRUE(is_valid_topic_filter(ok)) << ok;
  }
  for (const char* bad : {"", "sport/tennis#", "sport/tennis/#/ranking", "sport+", "+a",
                          "a/b+", "##", "#/"}) {
    EXPECT_FALSE(is_valid_topic_filter(bad)) << bad;
  }
}

TEST(TopicMatch, MultiLevelWildcardMatchesParentAndChildren) {
  // MQTT 5.0 §4.7.1.2 non normative examples.
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1"));
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/ranking"));
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
  EXPECT_TRUE(topic_matches("sport/#", "sport"));
  EXPECT_TRUE(topic_matches("#", "a/b/c"));
  EXPECT_FALSE(topic_matches("sport/tennis/#", "sport/football"));
}

TEST(TopicMatch, SingleLevelWildcardMatchesExactlyOneLevel) {
  // MQTT 5.0 §4.7.1.3 non normative examples.
  EXPECT_TRUE(topic_matches("sport/tennis/+", "sport/tennis/player1"));
  EXPECT_TRUE(topic_matches("sport/tennis/+", "sport/tennis/player2"));
  EXPECT_FALSE(topic_matches("sport/tennis/+", "sport/tennis/player1/ranking"));
  EXPECT_FALSE(topic_matches("sport/+", "sport"));
  EXPECT_TRUE(topic_matches("sport/+", "sport/"));
  EXPECT_TRUE(topic_matches("+/+", "/finance"));
  EXPECT_TRUE(topic_matches("/+", "/finance"));
  EXPECT_FALSE(topic_matches("+", "/finance"));
  EXPECT_TRUE(topic_matches("+", "a"));
  EXPECT_TRUE(topic_matches("a/+/c", "a//c"));
}

TEST(TopicMatch, ExactLevelsAreCaseSensitiveAndComplete) {
  EXPECT_TRUE(topic_matches("a/b", "a/b"));
  EXPECT_FALSE(topic_matches("a/b", "A/b"));
  EXPECT_FALSE(topic_matches("a/b", "a/b/c"));
  EXPECT_FALSE(topic_matches("a/b/c", "a/b"));
  EXPECT_FALSE(topic_matches("a/b", "a/bc"));
  EXPECT_TRUE(topic_matches("a/", "a/"));
  EXPECT_FALSE(topic_matches("a/", "a"));
}

TEST(TopicMatch, WildcardsAtTheFirstLevelSkipDollarTopics) {
  // MQTT 5.0 §4.7.2, MQTT-4.7.2-1.
  EXPECT_FALSE(topic_matches("#", "$SYS/broker/load"));
  EXPECT_FALSE(topic_matches("+/monitor/Clients", "$SYS/monitor/Clients"));
  EXPECT_TRUE(topic_matches("$SYS/#", "$SYS/monitor/Clients"));
  EXPECT_TRUE(topic_matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
  EXPECT_TRUE(topic_matches("a/#", "a/$b"));
}

TEST(TopicFilter, RecognisesSharedSubscriptions) {
  EXPECT_TRUE(is_shared_subscription("$share/g/a/b"));
  EXPECT_FALSE(is_shared_subscription("$shared/a"));
}

TEST(TopicFilter, SplitsASharedSubscriptionIntoShareNameAndFilter) {
  const auto s = parse_shared_subscription("$share/g1/a/+/#");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->group, "g1");
  EXPECT_EQ(s->filter, "a/+/#");
  EXPECT_EQ(inner_filter("$share/g1/a/+/#"), "a/+/#");
  EXPECT_EQ(inner_filter("a/b"), "a/b");
  // MQTT-4.8.2-1, -2: a Share Name of at least one character, without '/', '+' or '#', then
  // a filter.
  for (const char* bad : {"$share/g", "$share/g/", "$share//a", "$share/+/a", "$share/g#/a",
                          "$share/g/a/#/b", "a/b"}) {
    EXPECT_FALSE(parse_shared_subscription(bad)) << bad;
  }
}

TEST(TopicMatch, WildcardsAtTheFirstLevelSkipHiddenRoots) {
  const std::vector<std::string> hidden = {"u", "t"};
  EXPECT_FALSE(topic_matches("#", "u/7/deltas", hidden));
  EXPECT_FALSE(topic_matches("+/7/deltas", "u/7/deltas", hidden));
  EXPECT_FALSE(topic_matches("+", "t", hidden));
  EXPECT_TRUE(topic_matches("u/7/#", "u/7/deltas", hidden));
  EXPECT_TRUE(topic_matches("#", "uu/7", hidden));
  EXPECT_TRUE(topic_matches("a/#", "a/u/7", hidden)) << "only the first level is hidden";
  EXPECT_TRUE(topic_matches("#", "u/7/deltas")) << "no hidden roots given";
  EXPECT_FALSE(visible_to_wildcards("$SYS/x", {}));
}

}  // namespace
}  // namespace iris::mqtt
