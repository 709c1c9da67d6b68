#include "mqtt/subscription_table.h"

#include <gtest/gtest.h>

#include <random>

#include "mqtt/topic.h"

namespace iris::mqtt {
namespace {

SubscriptionEntry entry(std::uint64_t id, QoS qos = QoS::at_most_once, std::uint32_t sub_id = 0) {
  return {SubscriberId{id}, {qos, false, false, RetainHandling::send}, sub_id};
}

std::vector<std::uint64_t> subscribers(const SubscriptionTable& t, std::string_view topic) {
  std::vector<Match> out;
  t.match(topic, std::nullopt, out);
  std::vector<std::uint64_t> ids;
  for (const auto& m : out) ids.push_back(m.subscriber.value());
  return ids;
}

TEST(SubscriptionTable, MatchesExactAndWildcardFilters) {
  SubscriptionTable t;
  t.subscribe("a/b", entry(1));
  t.subscribe("a/+", entry(2));
  t.subscribe("a/#", entry(3));
  t.subscribe("#", entry(4));
  t.subscribe("+/b/c", entry(5));
  EXPECT_EQ(subscribers(t, "a/b"), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(subscribers(t, "a"), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(subscribers(t, "a/b/c"), (std::vector<std::uint64_t>{3, 4, 5}));
  EXPECT_EQ(subscribers(t, "x/b/c"), (std::vector<std::uint64_t>{4, 5}));
  EXPECT_EQ(t.size(), 5u);
}

TEST(SubscriptionTable, DollarTopicsNeedALiteralFirstLevel) {
  SubscriptionTable t;
  t.subscribe("#", entry(1));
  t.subscribe("+/x", entry(2));
  t.subscribe("$SYS/#", entry(3));
  t.subscribe("$SYS/+", entry(4));
  EXPECT_EQ(subscribers(t, "$SYS/x"), (std::vector<std::uint64_t>{3, 4}));
}

TEST(SubscriptionTable, HiddenRootsNeedALiteralFirstLevel) {
  SubscriptionTable t({"u", "t"});
  t.subscribe("#", entry(1));
  t.subscribe("+/7/d", entry(2));
  t.subscribe("u/7/#", entry(3));
  t.subscribe("u/+/d", entry(4));
  EXPECT_EQ(subscribers(t, "u/7/d"), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(subscribers(t, "u"), (std::vector<std::uint64_t>{}));
  EXPECT_EQ(subscribers(t, "x/7/d"), (std::vector<std::uint64_t>{1, 2}));
}

TEST(SubscriptionTable, SharedGroupGivesEachMessageToOneMemberInTurn) {
  SubscriptionTable t;
  t.subscribe("a/+", entry(1), "g");
  t.subscribe("a/+", entry(2), "g");
  t.subscribe("a/#", entry(3), "g");  // same name, another filter: another group
  t.subscribe("a/b", entry(4));
  std::vector<std::uint64_t> seen;
  for (int i = 0; i < 4; ++i) {
    const auto ids = subscribers(t, "a/b");
    ASSERT_EQ(ids.size(), 3u);  // one of {1, 2}, 3 and 4
    EXPECT_TRUE(ids[0] == 1 || ids[0] == 2);
    seen.push_back(ids[0]);
  }
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 1, 2}));
  // Looking (Turn::keep) does not take a turn; a preferred member goes first.
  std::vector<Match> out;
  t.match("a/b", std::nullopt, out, nullptr, SubscriptionTable::Turn::keep);
  t.match("a/b", std::nullopt, out, nullptr, SubscriptionTable::Turn::keep);
  EXPECT_EQ(subscribers(t, "a/b")[0], 1u);
  const SubscriptionTable::Prefer only_2 = [](SubscriberId id) { return id.value() == 2; };
  for (int i = 0; i < 2; ++i) {
    out.clear();
    t.match("a/x", std::nullopt, out, &only_2);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].subscriber.value(), 2u);
  }
  EXPECT_TRUE(t.unsubscribe("a/+", SubscriberId{1}, "g"));
  EXPECT_FALSE(t.unsubscribe("a/+", SubscriberId{1}, "g"));
  EXPECT_FALSE(t.unsubscribe("a/+", SubscriberId{2})) << "not a plain subscription";
  EXPECT_TRUE(t.unsubscribe("a/+", SubscriberId{2}, "g"));
  EXPECT_TRUE(t.unsubscribe("a/#", SubscriberId{3}, "g"));
  EXPECT_EQ(subscribers(t, "a/b"), (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(t.size(), 1u);
}

TEST(SubscriptionTable, MergesOverlappingSubscriptionsOfOneSubscriber) {
  SubscriptionTable t;
  t.subscribe("a/+", entry(1, QoS::at_least_once, 7));
  t.subscribe("a/#", entry(1, QoS::exactly_once, 9));
  t.subscribe("a/b", entry(1, QoS::at_most_once));
  std::vector<Match> out;
  t.match("a/b", std::nullopt, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].max_qos, QoS::exactly_once);
  std::sort(out[0].subscription_ids.begin(), out[0].subscription_ids.end());
  EXPECT_EQ(out[0].subscription_ids, (std::vector<std::uint32_t>{7, 9}));
}

TEST(SubscriptionTable, ResubscribingReplacesTheOptions) {
  SubscriptionTable t;
  EXPECT_TRUE(t.subscribe("a", entry(1, QoS::at_most_once)));
  EXPECT_FALSE(t.subscribe("a", entry(1, QoS::exactly_once)));
  std::vector<Match> out;
  t.match("a", std::nullopt, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].max_qos, QoS::exactly_once);
  EXPECT_EQ(t.size(), 1u);
}

TEST(SubscriptionTable, NoLocalSkipsThePublisher) {
  SubscriptionTable t;
  SubscriptionEntry e = entry(1);
  e.options.no_local = true;
  t.subscribe("a", e);
  t.subscribe("a", entry(2));
  std::vector<Match> out;
  t.match("a", SubscriberId{1}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].subscriber, SubscriberId{2});
}

TEST(SubscriptionTable, UnsubscribeRemovesOnlyThatFilterAndPrunes) {
  SubscriptionTable t;
  t.subscribe("a/b/c", entry(1));
  t.subscribe("a/b", entry(1));
  EXPECT_FALSE(t.unsubscribe("a/b/x", SubscriberId{1}));
  EXPECT_FALSE(t.unsubscribe("a/b/c", SubscriberId{2}));
  EXPECT_TRUE(t.unsubscribe("a/b/c", SubscriberId{1}));
  EXPECT_TRUE(subscribers(t, "a/b/c").empty());
  EXPECT_EQ(subscribers(t, "a/b"), (std::vector<std::uint64_t>{1}));
  EXPECT_TRUE(t.unsubscribe("a/b", SubscriberId{1}));
  EXPECT_EQ(t.size(), 0u);
}

TEST(SubscriptionTable, AgreesWithTopicMatchesOnRandomFiltersAndTopics) {
  // Model test: the trie must agree with the direct matcher of topic.h.
  std::mt19937 rng(1);
  const std::vector<std::string> levels = {"a", "b", "$c", "", "+", "#"};
  const auto make = [&](bool filter) {
    std::string s;
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      if (i) s += '/';
      std::string l = levels[rng() % levels.size()];
      if (!filter && (l == "+" || l == "#")) l = "a";
      if (l == "#" && i + 1 < n) l = "+";
      s += l;
    }
    return s.empty() ? std::string("a") : s;
  };
  SubscriptionTable t;
  std::vector<std::string> filters;
  for (int i = 0; i < 200; ++i) {
    std::string f = make(true);
    ASSERT_TRUE(is_valid_topic_filter(f)) << f;
    filters.push_back(f);
    t.subscribe(f, entry(static_cast<std::uint64_t>(i)));
  }
  for (int i = 0; i < 500; ++i) {
    const std::string topic = make(false);
    std::vector<std::uint64_t> expected;
    for (std::size_t j = 0; j < filters.size(); ++j) {
      if (topic_matches(filters[j], topic)) expected.push_back(j);
    }
    EXPECT_EQ(subscribers(t, topic), expected) << topic;
  }
}

}  // namespace
}  // namespace iris::mqtt
