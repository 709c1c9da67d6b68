#include "cluster/testing/fake_coordinator.h"

#include <gtest/gtest.h>

#include "cluster/errc.h"

namespace iris::cluster::testing {
namespace {

ServerInfo member(std::string name) { return {std::move(name), "127.0.0.1:7000", {1, 2, 3}}; }

// A server's view: a Membership fed by its coordinator, and the session states it heard.
struct View {
  Membership table;
  std::vector<SessionState> sessions;
  CoordinatorListener listener() {
    return {[this](const MembershipEvent& e) { ASSERT_TRUE(table.apply(e)); },
            [this](SessionState s) { sessions.push_back(s); }};
  }
};

TEST(FakeCoordinatorTest, EveryServerSeesTheSameMembers) {
  FakeCoordinationService zk;
  View v1, v2;  // before the coordinators: a coordinator's destructor still delivers to them
  auto c1 = zk.connect(), c2 = zk.connect();
  ASSERT_TRUE(c1->join(member("a"), v1.listener()));
  ASSERT_TRUE(c2->join(member("b"), v2.listener()));
  EXPECT_EQ(v1.table.members().size(), 2u);
  EXPECT_EQ(v2.table.members().size(), 2u) << "a late joiner first hears the current members";
  EXPECT_EQ(v1.sessions, std::vector<SessionState>{SessionState::connected});
}

TEST(FakeCoordinatorTest, JoiningUnderALiveNameIsRefused) {
  FakeCoordinationService zk;
  View v1, v2;  // before the coordinators: a coordinator's destructor still delivers to them
  auto c1 = zk.connect(), c2 = zk.connect();
  ASSERT_TRUE(c1->join(member("a"), v1.listener()));
  const auto r = c2->join(member("a"), v2.listener());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::name_conflict));
  EXPECT_NE(c2->session_state(), SessionState::connected);
}

TEST(FakeCoordinatorTest, ExpiredServerHearsItBeforeItsPeersSeeItLeave) {
  FakeCoordinationService zk;
  std::vector<std::string> order;
  auto c1 = zk.connect(), c2 = zk.connect();
  ASSERT_TRUE(c1->join(member("a"), {[](const MembershipEvent&) {},
                                     [&](SessionState s) {
                                       if (s == SessionState::expired) order.push_back("a expired");
                                     }}));
  ASSERT_TRUE(c2->join(member("b"), {[&](const MembershipEvent& e) {
                                       if (std::holds_alternative<ServerLeft>(e.change))
                                         order.push_back("b saw a leave");
                                     },
                                     {}}));
  zk.expire(*c1);
  EXPECT_EQ(order, (std::vector<std::string>{"a expired", "b saw a leave"}));
  EXPECT_EQ(c1->session_state(), SessionState::expired);
  EXPECT_FALSE(c1->join(member("a"), {})) << "an expired session cannot join again";
}

TEST(FakeCoordinatorTest, LeaveAndEvictRemoveMembers) {
  FakeCoordinationService zk;
  View v1, v2, v3;
  auto c1 = zk.connect(), c2 = zk.connect(), c3 = zk.connect();
  ASSERT_TRUE(c1->join(member("a"), v1.listener()));
  ASSERT_TRUE(c2->join(member("b"), v2.listener()));
  ASSERT_TRUE(c3->join(member("c"), v3.listener()));
  c2->leave();
  EXPECT_FALSE(v1.table.contains("b"));
  ASSERT_TRUE(c1->evict("c"));
  EXPECT_FALSE(v1.table.contains("c"));
  EXPECT_EQ(v1.table.members().size(), 1u);
  EXPECT_EQ(v1.table.version(), zk.version());
}

}  // namespace
}  // namespace iris::cluster::testing
