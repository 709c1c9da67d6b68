#include "mqtt/topic_aliases.h"

#include <gtest/gtest.h>

namespace iris::mqtt {
namespace {

Publish publish(std::string topic, std::optional<std::uint16_t> alias = std::nullopt) {
  Publish p;
  p.topic = std::move(topic);
  p.props.topic_alias = alias;
  return p;
}

TEST(TopicAliases, OutgoingTopicIsSentOnceThenOnlyItsAlias) {
  TopicAliases a(0, 2);
  auto first = publish("u/1/deltas");
  a.apply_outgoing(first);
  EXPECT_EQ(first.topic, "u/1/deltas") << "the first one sets the alias";
  EXPECT_EQ(first.props.topic_alias, 1);
  auto second = publish("u/1/deltas");
  a.apply_outgoing(second);
  EXPECT_TRUE(second.topic.empty());
  EXPECT_EQ(second.props.topic_alias, 1);
  auto other = publish("u/1/responses");
  a.apply_outgoing(other);
  EXPECT_EQ(other.props.topic_alias, 2);
}

TEST(TopicAliases, OutgoingTopicsPastThePeersMaximumKeepTheirTopic) {
  TopicAliases a(0, 1);
  auto first = publish("a");
  a.apply_outgoing(first);
  auto second = publish("b");
  a.apply_outgoing(second);
  EXPECT_EQ(second.topic, "b");
  EXPECT_FALSE(second.props.topic_alias.has_value());
  TopicAliases none(0, 0);
  auto p = publish("a");
  none.apply_outgoing(p);
  EXPECT_EQ(p.topic, "a");
  EXPECT_FALSE(p.props.topic_alias.has_value()) << "the peer allows no aliases";
}

TEST(TopicAliases, IncomingAliasIsRecordedThenResolvedAndMayBeReset) {
  TopicAliases a(4, 0);
  auto set = publish("t/7/typing", 3);
  EXPECT_FALSE(a.resolve_incoming(set));
  auto use = publish("", 3);
  EXPECT_FALSE(a.resolve_incoming(use));
  EXPECT_EQ(use.topic, "t/7/typing");
  auto reset = publish("t/8/typing", 3);
  EXPECT_FALSE(a.resolve_incoming(reset));
  auto again = publish("", 3);
  EXPECT_FALSE(a.resolve_incoming(again));
  EXPECT_EQ(again.topic, "t/8/typing");
  auto plain = publish("x");
  EXPECT_FALSE(a.resolve_incoming(plain));
  EXPECT_EQ(plain.topic, "x");
}

TEST(TopicAliases, IncomingAliasOverTheMaximumOrNeverSetIsAnError) {
  TopicAliases a(2, 0);
  auto over = publish("a", 3);
  EXPECT_EQ(a.resolve_incoming(over), errc::topic_alias_invalid);
  auto unknown = publish("", 2);
  EXPECT_EQ(a.resolve_incoming(unknown), errc::protocol_error);
}

}  // namespace
}  // namespace iris::mqtt
