#include "cluster/cell_view.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

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


// Several cells (docs/CLUSTER.md "Several cells"): server s1 of cell A, alone in A's ring,
// and a deployment of cells A and B, each with a server named s1 (names are unique only in a
// cell).
struct CellViewTwoCellsTest : ::testing::Test {
  void SetUp() override {
    ASSERT_TRUE(ca->join(server("s1"), a.listener()));
    while (deployment(1)->placement().cell_of(core::UserId{in_a}) != "A") ++in_a;
    while (deployment(1)->placement().cell_of(core::UserId{in_b}) != "B") ++in_b;
  }
  static std::shared_ptr<const Directory> deployment(std::uint64_t version,
                                                     std::map<core::UserId, std::string> overrides = {}) {
    auto b1 = server("s1");
    b1.address = b1.mqtt = "127.0.0.2:7000";
    return std::make_shared<const Directory>(
        std::vector<DirectoryCell>{{"A", true, {server("s1")}}, {"B", true, {b1}}}, std::move(overrides), version);
  }
  testing::FakeCoordinationService zk;
  CellView a{"s1", "A"};
  std::unique_ptr<testing::FakeCoordinator> ca = zk.connect();
  std::uint64_t in_a = 1, in_b = 1;
};

TEST_F(CellViewTwoCellsTest, WithoutADirectoryTheCellHoldsEveryUser) {
  EXPECT_TRUE(a.snapshot()->owns(core::UserId{in_a}));
  EXPECT_TRUE(a.snapshot()->owns(core::UserId{in_b}));
}

TEST_F(CellViewTwoCellsTest, ServerOwnsOnlyUsersPlacedInItsCellThatItsRingGivesIt) {
  a.set_directory(deployment(1));
  const auto s = a.snapshot();
  EXPECT_TRUE(s->owns(core::UserId{in_a}));
  EXPECT_FALSE(s->owns(core::UserId{in_b})) << "A's ring gives s1 every user, but the placement puts this one in B";
  EXPECT_FALSE(s->elsewhere(core::UserId{in_a})) << "a user of this cell has no owner elsewhere";
  const auto route = s->elsewhere(core::UserId{in_b});
  ASSERT_TRUE(route);
  EXPECT_EQ(route->cell, "B");
  EXPECT_EQ(route->server.address, "127.0.0.2:7000") << "B's s1, not this server";
}

TEST_F(CellViewTwoCellsTest, AnEmptyDirectoryPlacesNobodyHere) {
  a.set_directory(std::make_shared<const Directory>());
  EXPECT_FALSE(a.snapshot()->owns(core::UserId{in_a})) << "not read yet: a send must not append a user of another cell";
  EXPECT_FALSE(a.snapshot()->elsewhere(core::UserId{in_a}));
}

TEST_F(CellViewTwoCellsTest, AnOverrideMovesTheUserOutOfTheCellAndLaterRingsKeepTheDirectory) {
  a.set_directory(deployment(1));
  a.set_directory(deployment(2, {{core::UserId{in_a}, "B"}}));
  EXPECT_FALSE(a.snapshot()->owns(core::UserId{in_a}));
  ASSERT_TRUE(a.snapshot()->elsewhere(core::UserId{in_a}));
  CellView other("s2", "A");
  auto cb = zk.connect();
  ASSERT_TRUE(cb->join(server("s2"), other.listener()));  // a ring change publishes a new snapshot
  EXPECT_EQ(a.snapshot()->ring.servers().size(), 2u);
  EXPECT_FALSE(a.snapshot()->owns(core::UserId{in_a})) << "the new ring's snapshot carries the placement";
}

TEST_F(CellViewTwoCellsTest, AnOlderDirectoryCopyIsIgnored) {
  a.set_directory(deployment(2, {{core::UserId{in_a}, "B"}}));
  a.set_directory(deployment(1));
  EXPECT_FALSE(a.snapshot()->owns(core::UserId{in_a}));
}

}  // namespace
}  // namespace iris::cluster
