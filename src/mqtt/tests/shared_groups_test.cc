#include "mqtt/shared_groups.h"

#include <gtest/gtest.h>

namespace iris::mqtt {
namespace {

SharedMember on(std::uint32_t broker, std::uint64_t subscriber) {
  return {broker, SubscriberId{subscriber}};
}

// Chooses once for `key` and returns whom.
std::optional<SharedMember> pick(SharedGroupTable& t, const SharedGroupKey& key) {
  const SharedGroupKey* keys[] = {&key};
  std::vector<SharedPick> out;
  t.choose(keys, out);
  if (out.empty()) return std::nullopt;
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].share, key.share);
  EXPECT_EQ(out[0].filter, key.filter);
  return out[0].member;
}

TEST(SharedGroupTable, TakesTurnsOverMembersOfEveryBroker) {
  SharedGroupTable t;
  t.join("g", "s/#", on(0, 1), MemberState::connected);
  t.join("g", "s/#", on(1, 1), MemberState::connected);
  t.join("g", "s/#", on(1, 2), MemberState::connected);
  const SharedGroupKey g{"g", "s/#"};
  std::vector<SharedMember> got;
  for (int i = 0; i < 6; ++i) got.push_back(*pick(t, g));
  EXPECT_EQ(got, (std::vector<SharedMember>{on(0, 1), on(1, 1), on(1, 2), on(0, 1), on(1, 1),
                                            on(1, 2)}));
}

TEST(SharedGroupTable, PrefersConnectedMembersAndFallsBackToOfflineOnes) {
  SharedGroupTable t;
  t.join("g", "s", on(0, 1), MemberState::offline);
  t.join("g", "s", on(1, 7), MemberState::connected);
  const SharedGroupKey g{"g", "s"};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(pick(t, g), on(1, 7));
  t.join("g", "s", on(1, 7), MemberState::offline);  // an update, not a second entry
  EXPECT_EQ(pick(t, g), on(0, 1)) << "nobody connected: offline members in turn";
  EXPECT_EQ(pick(t, g), on(1, 7));
  t.join("g", "s", on(0, 1), MemberState::connected);
  EXPECT_EQ(pick(t, g), on(0, 1));
  EXPECT_EQ(pick(t, g), on(0, 1));
}

TEST(SharedGroupTable, GroupsAreNamedByShareNameAndFilter) {
  SharedGroupTable t;
  t.join("g", "a", on(0, 1), MemberState::connected);
  t.join("g", "b", on(0, 2), MemberState::connected);
  t.join("h", "a", on(1, 3), MemberState::connected);
  const SharedGroupKey ga{"g", "a"}, gb{"g", "b"}, ha{"h", "a"}, none{"x", "a"};
  const SharedGroupKey* keys[] = {&ga, &gb, &ha, &none};
  std::vector<SharedPick> out;
  t.choose(keys, out);
  ASSERT_EQ(out.size(), 3u) << "a group that does not exist is skipped";
  EXPECT_EQ(out[0].member, on(0, 1));
  EXPECT_EQ(out[1].member, on(0, 2));
  EXPECT_EQ(out[2].member, on(1, 3));
}

TEST(SharedGroupTable, GenerationChangesOnlyWhenAGroupAppearsOrGoes) {
  SharedGroupTable t;
  std::vector<SharedGroupKey> keys;
  const std::uint64_t g0 = t.groups(keys);
  EXPECT_TRUE(keys.empty());
  t.join("g", "s", on(0, 1), MemberState::connected);
  const std::uint64_t g1 = t.generation();
  EXPECT_NE(g1, g0);
  t.join("g", "s", on(1, 1), MemberState::connected);
  t.join("g", "s", on(1, 1), MemberState::offline);
  t.leave("g", "s", on(0, 1));
  t.leave("g", "s", on(5, 5));  // not a member: nothing
  EXPECT_EQ(t.generation(), g1) << "member changes keep the list of groups";
  EXPECT_EQ(t.groups(keys), g1);
  EXPECT_EQ(keys, (std::vector<SharedGroupKey>{{"g", "s"}}));
  t.leave("g", "s", on(1, 1));
  EXPECT_NE(t.generation(), g1);
  EXPECT_EQ(t.group_count(), 0u);
  EXPECT_FALSE(pick(t, {"g", "s"}).has_value());
}

TEST(SharedGroupTable, LeavingKeepsTheTurnOnTheNextMember) {
  SharedGroupTable t;
  for (std::uint64_t i = 1; i <= 3; ++i) t.join("g", "s", on(0, i), MemberState::connected);
  const SharedGroupKey g{"g", "s"};
  EXPECT_EQ(pick(t, g), on(0, 1));
  EXPECT_EQ(pick(t, g), on(0, 2));
  t.leave("g", "s", on(0, 1));  // before the turn: the turn stays on 3
  EXPECT_EQ(pick(t, g), on(0, 3));
  EXPECT_EQ(pick(t, g), on(0, 2));
}

}  // namespace
}  // namespace iris::mqtt
