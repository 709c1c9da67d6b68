#include "cluster/ring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "cluster/ring_hash.h"

namespace iris::cluster {
namespace {

ServerInfo server(std::string name, std::uint32_t tokens = 256) {
  auto t = default_tokens(name, tokens);
  return {std::move(name), "127.0.0.1:1", std::move(t)};
}

TEST(RingTest, EmptyRingHasNoOwner) {
  const Ring ring;
  EXPECT_FALSE(ring.owner_of(core::UserId{1}).has_value());
  EXPECT_EQ(ring.owner_name(core::UserId{1}), "");
}

TEST(RingTest, OneServerOwnsEveryone) {
  const Ring ring({server("a", 4)});
  for (std::uint64_t u = 1; u < 1000; ++u) EXPECT_EQ(ring.owner_name(core::UserId{u}), "a");
}

TEST(RingTest, OwnerIsTheFirstTokenAtOrAfterThePositionWrappingAround) {
  const Ring ring({{"a", "x", {100}}, {"b", "x", {200}}});
  EXPECT_EQ(*ring.owner_of_position(50), 0u);
  EXPECT_EQ(*ring.owner_of_position(100), 0u);
  EXPECT_EQ(*ring.owner_of_position(101), 1u);
  EXPECT_EQ(*ring.owner_of_position(200), 1u);
  EXPECT_EQ(*ring.owner_of_position(201), 0u) << "past the last token wraps to the first";
  EXPECT_EQ(*ring.owner_of_position(~std::uint64_t{0}), 0u);
}

TEST(RingTest, TiedTokenGoesToTheSmallerNameWhateverTheOrderGiven) {
  const Ring ab({{"a", "x", {100}}, {"b", "x", {100, 300}}});
  const Ring ba({{"b", "x", {100, 300}}, {"a", "x", {100}}});
  EXPECT_EQ(ab.servers()[*ab.owner_of_position(90)].name, "a");
  EXPECT_EQ(ba.servers()[*ba.owner_of_position(90)].name, "a");
  EXPECT_EQ(ba.servers()[*ba.owner_of_position(200)].name, "b");
}

TEST(RingTest, BucketedLookupAgreesWithALinearScan) {
  std::vector<ServerInfo> servers;
  for (int i = 0; i < 7; ++i) servers.push_back(server("s" + std::to_string(i), 37));
  const Ring ring(servers);
  std::vector<std::pair<std::uint64_t, std::string>> points;
  for (const auto& s : ring.servers())
    for (auto t : s.tokens) points.emplace_back(t, s.name);
  std::sort(points.begin(), points.end());
  for (std::uint64_t u = 0; u < 20000; ++u) {
    const std::uint64_t pos = mix64(u);
    auto it = std::lower_bound(points.begin(), points.end(), std::make_pair(pos, std::string()));
    const std::string& want = it == points.end() ? points.front().second : it->second;
    ASSERT_EQ(ring.servers()[*ring.owner_of_position(pos)].name, want) << "position " << pos;
  }
}

TEST(RingTest, SharesSumToOneAndAreBalancedWithManyTokens) {
  std::vector<ServerInfo> servers;
  for (int i = 0; i < 10; ++i) servers.push_back(server("irisd-" + std::to_string(i), 1024));
  const auto shares = Ring(servers).shares();
  EXPECT_NEAR(std::accumulate(shares.begin(), shares.end(), 0.0), 1.0, 1e-9);
  EXPECT_LT(*std::max_element(shares.begin(), shares.end()) * 10, 1.10);
}

TEST(RingTest, RemovingAServerMovesOnlyItsOwnUsers) {
  std::vector<ServerInfo> servers;
  for (int i = 0; i < 5; ++i) servers.push_back(server("s" + std::to_string(i), 64));
  const Ring before(servers);
  servers.erase(servers.begin() + 2);
  const Ring after(servers);
  for (std::uint64_t u = 1; u <= 20000; ++u) {
    const auto was = before.owner_name(core::UserId{u});
    if (was != "s2") ASSERT_EQ(after.owner_name(core::UserId{u}), was) << "user " << u;
    else ASSERT_NE(after.owner_name(core::UserId{u}), "s2");
  }
}

TEST(RingTest, DefaultTokensAreStableAcrossCalls) {
  EXPECT_EQ(default_tokens("irisd-1", 8), default_tokens("irisd-1", 8));
  EXPECT_NE(default_tokens("irisd-1", 8), default_tokens("irisd-2", 8));
  // Pinned: the ring is part of the cell's protocol, so a change here must be deliberate.
  EXPECT_EQ(mix64(0), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
}

}  // namespace
}  // namespace iris::cluster
