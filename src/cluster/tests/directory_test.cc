#include "cluster/directory.h"

#include <gtest/gtest.h>

#include "cluster/ring_hash.h"

namespace iris::cluster {
namespace {

ServerInfo server(const std::string& name) {
  return ServerInfo{name, "127.0.0.1:1", default_tokens(name, 64), "127.0.0.1:1883", "127.0.0.1:8080"};
}

TEST(DirectoryTest, RoutesAUserToItsCellsRingOwner) {
  const Directory d({{"eu1", true, {server("a"), server("b")}}, {"us1", true, {server("c")}}}, {}, 1);
  int in_us1 = 0;
  for (std::uint64_t u = 1; u <= 200; ++u) {
    const auto r = d.route(core::UserId{u});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->cell, *d.placement().cell_of(core::UserId{u}));
    if (r->cell == "us1") {
      ++in_us1;
      EXPECT_EQ(r->server.name, "c");
    } else {
      EXPECT_EQ(r->server.name, Ring({server("a"), server("b")}).owner_name(core::UserId{u}));
    }
    EXPECT_FALSE(r->overridden);
  }
  EXPECT_GT(in_us1, 50);
  EXPECT_LT(in_us1, 150);
}

TEST(DirectoryTest, AnOverrideRoutesIntoADisabledCell) {
  const Directory d({{"eu1", true, {server("a")}}, {"old", false, {server("z")}}}, {{core::UserId{5}, "old"}}, 2);
  const auto r = d.route(core::UserId{5});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->cell, "old");
  EXPECT_EQ(r->server.name, "z");
  EXPECT_TRUE(r->overridden);
  EXPECT_EQ(d.route(core::UserId{6})->cell, "eu1");
}

TEST(DirectoryTest, NoRouteWithoutALiveServerOrAKnownCell) {
  const Directory empty_cell({{"eu1", true, {}}}, {}, 3);
  EXPECT_EQ(empty_cell.route(core::UserId{1}), std::nullopt);
  const Directory gone({{"eu1", false, {server("a")}}}, {{core::UserId{1}, "removed"}}, 4);
  EXPECT_EQ(gone.route(core::UserId{1}), std::nullopt);
  EXPECT_EQ(gone.route(core::UserId{2}), std::nullopt);  // no enabled cell
}

}  // namespace
}  // namespace iris::cluster
