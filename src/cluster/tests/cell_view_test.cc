#include "cluster/cell_view.h"

#include <gtest/gtest.h>

#include <memory>

#include "cluster/ring_hash.h"
#include "cluster/testing/fake_coordinator.h"

namespace iris::cluster {
namespace {

ServerInfo server(std::string name) {
  auto t = default_tokens(name, 64);
  return {std::move(name), "127.0.0.1:7000", std::move(t)};
}

TEST(CellViewTest, OwnsNothingBeforeJoining) {
  CellView view("a");
  EXPECT_FALSE(view.snapshot()->owns(core::UserId{1}));
  EXPECT_EQ(view.snapshot()->owner(core::UserId{1}), nullptr);
}

TEST(CellViewTest, TwoServersSplitTheUsersWithoutOverlapOrGap) {
  testing::FakeCoordinationService zk;
  CellView a("a"), b("b");
  auto ca = zk.connect(), cb = zk.connect();
  ASSERT_TRUE(ca->join(server("a"), a.listener()));
  ASSERT_TRUE(cb->join(server("b"), b.listener()));
  const auto sa = a.snapshot(), sb = b.snapshot();
  int owned_by_a = 0;
  for (std::uint64_t u = 1; u <= 2000; ++u) {
    const core::UserId user{u};
    ASSERT_NE(sa->owns(user), sb->owns(user)) << "exactly one owner for user " << u;
    owned_by_a += sa->owns(user);
  }
  EXPECT_GT(owned_by_a, 600);
  EXPECT_LT(owned_by_a, 1400);
}

// Servers a and b joined to one cell, and a user the ring gives to a.
struct CellViewTwoServersTest : ::testing::Test {
  void SetUp() override {
    ASSERT_TRUE(ca->join(server("a"), a.listener()));
    ASSERT_TRUE(cb->join(server("b"), b.listener()));
    while (!a.snapshot()->owns(core::UserId{a_user})) ++a_user;
  }
  testing::FakeCoordinationService zk;
  CellView a{"a"}, b{"b"};
  std::unique_ptr<testing::FakeCoordinator> ca = zk.connect(), cb = zk.connect();
  std::uint64_t a_user = 1;
};

TEST_F(CellViewTwoServersTest, ExpiredServerStopsOwningAtOnceAndPeersTakeOver) {
  zk.expire(*ca);
  EXPECT_FALSE(a.snapshot()->serving);
  EXPECT_FALSE(a.snapshot()->owns(core::UserId{a_user}));
  EXPECT_TRUE(b.snapshot()->owns(core::UserId{a_user}));
}

TEST_F(CellViewTwoServersTest, WithdrawnServerOwnsNothingButStillKnowsEveryOwner) {
  ASSERT_TRUE(ca->withdraw());
  const auto sa = a.snapshot();
  EXPECT_TRUE(sa->serving) << "a still relays its devices to their owners while it drains";
  EXPECT_FALSE(sa->owns(core::UserId{a_user}));
  ASSERT_NE(sa->owner(core::UserId{a_user}), nullptr);
  EXPECT_EQ(sa->owner(core::UserId{a_user})->name, "b");
  EXPECT_TRUE(b.snapshot()->owns(core::UserId{a_user}));
  CellView c("c");
  auto cc = zk.connect();
  ASSERT_TRUE(cc->join(server("c"), c.listener()));
  EXPECT_EQ(a.snapshot()->ring.servers().size(), 2u) << "a follows later changes: b and c";
  EXPECT_FALSE(ca->withdraw()) << "a drained server is out until it restarts";
}

TEST(CellViewTest, SnapshotTakenBeforeAChangeStaysAsItWas) {
  testing::FakeCoordinationService zk;
  CellView a("a");
  auto ca = zk.connect(), cb = zk.connect();
  ASSERT_TRUE(ca->join(server("a"), a.listener()));
  const auto before = a.snapshot();
  CellView b("b");
  ASSERT_TRUE(cb->join(server("b"), b.listener()));
  EXPECT_EQ(before->ring.servers().size(), 1u);
  EXPECT_EQ(a.snapshot()->ring.servers().size(), 2u);
  EXPECT_GT(a.snapshot()->version, before->version);
}

}  // namespace
}  // namespace iris::cluster
