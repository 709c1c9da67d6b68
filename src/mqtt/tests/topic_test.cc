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

}  // namespace
}  // namespace iris::mqtt
