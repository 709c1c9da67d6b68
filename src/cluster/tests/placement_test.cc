#include "cluster/placement.h"

#include <gtest/gtest.h>

#include <map>

namespace iris::cluster {
namespace {

core::UserId user(std::uint64_t v) { return core::UserId{v}; }

TEST(PlacementTest, EveryReaderPlacesAUserInTheSameCellWhateverTheOrderOfCells) {
  const Placement a({{"eu1", true}, {"us1", true}, {"ap1", true}}, {});
  const Placement b({{"ap1", true}, {"eu1", true}, {"us1", true}}, {});
  for (std::uint64_t u = 1; u <= 1000; ++u) EXPECT_EQ(a.cell_of(user(u)), b.cell_of(user(u)));
}

TEST(PlacementTest, UsersSpreadOverTheEnabledCells) {
  const Placement p({{"a", true}, {"b", true}, {"c", true}, {"d", true}}, {});
  std::map<std::string, int> count;
  for (std::uint64_t u = 1; u <= 40000; ++u) ++count[*p.cell_of(user(u))];
  ASSERT_EQ(count.size(), 4u);
  for (const auto& [cell, n] : count) {
    EXPECT_GT(n, 9000) << cell;
    EXPECT_LT(n, 11000) << cell;
  }
}

TEST(PlacementTest, DisablingACellMovesOnlyItsOwnUsersAndOnlyNewPlacements) {
  const Placement before({{"a", true}, {"b", true}, {"c", true}}, {});
  const Placement after({{"a", true}, {"b", false}, {"c", true}}, {});
  int moved = 0;
  for (std::uint64_t u = 1; u <= 30000; ++u) {
    const auto was = before.cell_of(user(u));
    const auto now = after.cell_of(user(u));
    if (was != now) {
      ++moved;
      EXPECT_EQ(*was, "b") << u;  // only b's users go elsewhere
    }
    EXPECT_NE(*now, "b");
  }
  EXPECT_GT(moved, 8000);
  EXPECT_LT(moved, 12000);
}

TEST(PlacementTest, AnOverrideWinsEvenInADisabledCell) {
  const Placement p({{"a", true}, {"b", false}}, {{user(7), "b"}});
  EXPECT_EQ(p.cell_of(user(7)), "b");
  EXPECT_EQ(p.hashed_cell_of(user(7)), "a");
  EXPECT_EQ(p.cell_of(user(8)), "a");
}

TEST(PlacementTest, NoEnabledCellPlacesNobodyNew) {
  const Placement p({{"a", false}}, {{user(1), "a"}});
  EXPECT_EQ(p.cell_of(user(1)), "a");
  EXPECT_EQ(p.cell_of(user(2)), std::nullopt);
}

TEST(PlacementTest, TheScoreIsStable) {
  // Part of the deployment's protocol, like the ring's hashes: a change moves users.
  EXPECT_EQ(placement_score("cell", user(1)), 6966342317617606822ULL);
  EXPECT_EQ(placement_score("eu1", user(42)), 6224023094774602546ULL);
  EXPECT_NE(placement_score("cell", user(1)), placement_score("cell", user(2)));
  EXPECT_NE(placement_score("a", user(1)), placement_score("b", user(1)));
}

}  // namespace
}  // namespace iris::cluster
