#include "apps/iris-bench/cell_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "cluster/ring.h"
#include "cluster/ring_hash.h"

namespace iris::bench {
namespace {

const std::vector<std::string> kCell = {"irisd-1", "irisd-2", "irisd-3"};

// The owner as irisd computes it, independently of the plan's own lookup.
std::string owner(const std::vector<std::string>& names, std::uint32_t tokens, core::UserId u) {
  std::vector<cluster::ServerInfo> infos;
  for (const auto& n : names) infos.push_back({n, "", cluster::default_tokens(n, tokens)});
  return std::string(cluster::Ring(std::move(infos)).owner_name(u));
}

TEST(CellPlan, EveryUserConnectsToItsOwnerAsTheRingSaysWithTheDefaultTokens) {
  // Owners of users 1..6 in a cell of irisd-1..3 at 2,048 tokens, as docs/CLUSTER.md "The
  // ring" computes them (checked with tests/e2e/cases_cell.py's owner()).
  const auto plan = plan_pairs(kCell, 2048, 1, 6, PairMix::mixed);
  ASSERT_EQ(plan.size(), 6u);
  const std::vector<std::size_t> want = {2, 2, 1, 1, 0, 0};
  for (std::size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(plan[i].user, core::UserId{1 + i});
    EXPECT_EQ(plan[i].server, want[i]) << "user " << 1 + i;
  }
}

TEST(CellPlan, CrossPairsHaveTwoOwnersAndCoverEverySortOfPair) {
  const auto plan = plan_pairs(kCell, 64, 100, 600, PairMix::cross);
  ASSERT_EQ(plan.size(), 600u);
  EXPECT_EQ(cross_pairs(plan), 300u);
  std::set<std::pair<std::size_t, std::size_t>> sorts;
  std::set<std::uint64_t> users;
  for (std::size_t i = 0; i < plan.size(); i += 2) {
    EXPECT_NE(plan[i].server, plan[i + 1].server);
    sorts.insert(std::minmax(plan[i].server, plan[i + 1].server));
  }
  for (const auto& p : plan) {
    EXPECT_EQ(kCell[p.server], owner(kCell, 64, p.user));
    EXPECT_TRUE(users.insert(p.user.value()).second) << "user " << p.user.value() << " twice";
  }
  EXPECT_EQ(sorts.size(), 3u);  // a-b, a-c, b-c
}

TEST(CellPlan, LocalPairsShareAnOwnerOnEveryServer) {
  const auto plan = plan_pairs(kCell, 64, 100, 600, PairMix::local);
  ASSERT_EQ(plan.size(), 600u);
  EXPECT_EQ(cross_pairs(plan), 0u);
  std::set<std::size_t> servers;
  for (const auto& p : plan) {
    EXPECT_EQ(kCell[p.server], owner(kCell, 64, p.user));
    servers.insert(p.server);
  }
  EXPECT_EQ(servers.size(), 3u);
}

TEST(CellPlan, MixedPairsSpreadOverTheServersAsTheRingDoes) {
  const auto plan = plan_pairs(kCell, 2048, 1, 1000, PairMix::mixed);
  std::vector<std::size_t> per(3);
  for (const auto& p : plan) ++per[p.server];
  for (const auto n : per) EXPECT_GT(n, 250u);  // a third each, give or take
  // Two users of a pair share an owner about a third of the time.
  EXPECT_GT(cross_pairs(plan), 250u);
  EXPECT_LT(cross_pairs(plan), 420u);
}

TEST(CellPlan, ImpossibleMixesAreRefused) {
  EXPECT_THROW(plan_pairs({"only"}, 64, 1, 10, PairMix::cross), std::runtime_error);
  EXPECT_THROW(plan_pairs(kCell, 64, 1, 7, PairMix::mixed), std::runtime_error);
  EXPECT_THROW(plan_pairs({"a", "a"}, 64, 1, 10, PairMix::local), std::runtime_error);
  EXPECT_THROW(plan_pairs({}, 64, 1, 10, PairMix::local), std::runtime_error);
}

TEST(CellPlan, OneServerOwnsEveryPair) {
  const auto plan = plan_pairs({"irisd-1"}, 2048, 1, 10, PairMix::local);
  for (const auto& p : plan) EXPECT_EQ(p.server, 0u);
}

}  // namespace
}  // namespace iris::bench
