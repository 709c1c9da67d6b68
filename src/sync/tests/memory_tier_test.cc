#include "sync/memory_tier.h"

#include <gtest/gtest.h>

#include "core/testing/random_updates.h"
#include "sync/delta_batcher.h"

namespace iris::sync {
namespace {

using core::Seq;
using core::UserId;

core::Update at(std::uint64_t seq, std::size_t text = 10) {
  auto u = core::testing::message(core::ThreadId{1}, UserId{1}, std::string(text, 'x'));
  u.seq = Seq{seq};
  return u;
}

TEST(MemoryTier, ServesRangesItHoldsWhole) {
  MemoryTier tier({});
  for (std::uint64_t s = 5; s <= 20; ++s) tier.add(UserId{1}, at(s));
  auto r = tier.read(UserId{1}, Seq{7}, Seq{9});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ(r->front().seq, Seq{7});
  EXPECT_FALSE(tier.read(UserId{1}, Seq{4}, Seq{9})) << "seq 4 is not in memory";
  EXPECT_FALSE(tier.read(UserId{1}, Seq{19}, Seq{21}));
  EXPECT_FALSE(tier.read(UserId{2}, Seq{1}, Seq{1}));
}

TEST(MemoryTier, AGapRestartsTheTail) {
  MemoryTier tier({});
  for (std::uint64_t s = 1; s <= 5; ++s) tier.add(UserId{1}, at(s));
  tier.add(UserId{1}, at(9));
  EXPECT_FALSE(tier.read(UserId{1}, Seq{5}, Seq{9}));
  EXPECT_TRUE(tier.read(UserId{1}, Seq{9}, Seq{9}));
}

TEST(MemoryTier, KeepsAtMostMaxPerUser) {
  MemoryTier tier({.budget_bytes = 1u << 30, .max_per_user = 10});
  for (std::uint64_t s = 1; s <= 100; ++s) tier.add(UserId{1}, at(s));
  EXPECT_FALSE(tier.read(UserId{1}, Seq{90}, Seq{100}));
  EXPECT_TRUE(tier.read(UserId{1}, Seq{91}, Seq{100}));
}

TEST(MemoryTier, EvictsLeastRecentlyAppendedUsersBeyondTheBudget) {
  const std::size_t one = estimated_size(at(1));
  MemoryTier tier({.budget_bytes = 25 * one, .max_per_user = 100});
  for (std::uint64_t u = 1; u <= 3; ++u) {
    for (std::uint64_t s = 1; s <= 10; ++s) tier.add(UserId{u}, at(s));
  }
  EXPECT_LE(tier.bytes(), 25 * one);
  EXPECT_FALSE(tier.read(UserId{1}, Seq{1}, Seq{1})) << "user 1 appended least recently";
  EXPECT_TRUE(tier.read(UserId{3}, Seq{1}, Seq{10}));
  tier.forget(UserId{3});
  EXPECT_FALSE(tier.read(UserId{3}, Seq{1}, Seq{1}));
}

}  // namespace
}  // namespace iris::sync
