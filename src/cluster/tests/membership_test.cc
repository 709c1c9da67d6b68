#include "cluster/membership.h"

#include <gtest/gtest.h>

#include "cluster/errc.h"

namespace iris::cluster {
namespace {

ServerInfo member(std::string name, std::vector<std::uint64_t> tokens = {1, 2}) {
  return {std::move(name), "127.0.0.1:7000", std::move(tokens)};
}

TEST(MembershipTest, JoinAndLeaveChangeTheTableAndTheRing) {
  Membership m;
  ASSERT_TRUE(m.apply({1, ServerJoined{member("a", {10})}}));
  ASSERT_TRUE(m.apply({2, ServerJoined{member("b", {20})}}));
  EXPECT_EQ(m.members().size(), 2u);
  EXPECT_EQ(m.ring().servers()[*m.ring().owner_of_position(15)].name, "b");
  ASSERT_TRUE(m.apply({3, ServerLeft{"b"}}));
  EXPECT_FALSE(m.contains("b"));
  EXPECT_EQ(m.ring().servers()[*m.ring().owner_of_position(15)].name, "a");
  EXPECT_EQ(m.version(), 3u);
}

TEST(MembershipTest, StaleEventIsRefusedAndChangesNothing) {
  Membership m;
  ASSERT_TRUE(m.apply({5, ServerJoined{member("a")}}));
  const auto r = m.apply({4, ServerLeft{"a"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::stale_event));
  EXPECT_TRUE(m.contains("a"));
}

TEST(MembershipTest, SameNameWithOtherTokensIsAConflict) {
  Membership m;
  ASSERT_TRUE(m.apply({1, ServerJoined{member("a", {1})}}));
  EXPECT_TRUE(m.apply({2, ServerJoined{member("a", {1})}})) << "the same description again is a no-op";
  const auto r = m.apply({3, ServerJoined{member("a", {2})}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::name_conflict));
}

TEST(MembershipTest, MalformedMembersAreRefused) {
  Membership m;
  EXPECT_FALSE(m.apply({1, ServerJoined{member("")}}));
  EXPECT_FALSE(m.apply({1, ServerJoined{member("a/b")}}));
  EXPECT_FALSE(m.apply({1, ServerJoined{member("a", {})}}));
  EXPECT_FALSE(m.apply({1, ServerJoined{member(std::string(kMaxNameBytes + 1, 'x'))}}));
  EXPECT_TRUE(m.members().empty());
}

TEST(MembershipTest, DiffToAFullListingReproducesIt) {
  Membership m;
  ASSERT_TRUE(m.apply({1, ServerJoined{member("a")}}));
  ASSERT_TRUE(m.apply({2, ServerJoined{member("b")}}));
  // Between two reads, b restarted with other tokens, a left and c joined.
  const std::vector<ServerInfo> live = {member("b", {7}), member("c")};
  for (const auto& e : m.diff_to(live, 9)) ASSERT_TRUE(m.apply(e));
  ASSERT_EQ(m.members().size(), 2u);
  EXPECT_EQ(m.members().at("b").tokens, std::vector<std::uint64_t>{7});
  EXPECT_TRUE(m.contains("c"));
  EXPECT_TRUE(m.diff_to(live, 10).empty()) << "nothing to do when the table matches";
}

TEST(MembershipTest, TwoTablesFedTheSameEventsAgreeOnEveryOwner) {
  Membership x, y;
  const std::vector<MembershipEvent> events = {{1, ServerJoined{member("a", {100, 900})}},
                                               {2, ServerJoined{member("b", {500})}},
                                               {3, ServerJoined{member("c", {300})}},
                                               {4, ServerLeft{"a"}}};
  for (const auto& e : events) {
    ASSERT_TRUE(x.apply(e));
    ASSERT_TRUE(y.apply(e));
  }
  for (std::uint64_t u = 0; u < 1000; ++u)
    ASSERT_EQ(x.ring().owner_name(core::UserId{u}), y.ring().owner_name(core::UserId{u}));
}

}  // namespace
}  // namespace iris::cluster
