#include "net/owner_router.h"

#include <gtest/gtest.h>

#include <set>

namespace iris::net {
namespace {

TEST(LocalOwnerRouter, AUserIsOwnedWhereItsConnectionsAreRoutedByUserName) {
  const LocalOwnerRouter router(7);
  for (std::uint64_t u : {1ull, 2ull, 42ull, 1234567890123ull}) {
    EXPECT_EQ(router.owner_of(core::UserId{u}), router.owner_of_key(std::to_string(u))) << u;
  }
}

TEST(LocalOwnerRouter, EveryOwnerIsAShardOfThisServerAndUsersSpreadOverAll) {
  const LocalOwnerRouter router(4);
  std::set<std::size_t> used;
  for (std::uint64_t u = 1; u <= 200; ++u) {
    const Owner o = router.owner_of(core::UserId{u});
    ASSERT_LT(o.shard, 4u);
    EXPECT_EQ(router.owner_of(core::UserId{u}), o) << "the same answer every time";
    used.insert(o.shard);
  }
  EXPECT_EQ(used.size(), 4u);
}

TEST(LocalOwnerRouter, OneShardOwnsEveryone) {
  const LocalOwnerRouter router(1);
  EXPECT_EQ(router.owner_of(core::UserId{99}), Owner{0});
  EXPECT_EQ(router.owner_of_key("client-without-user"), Owner{0});
}

}  // namespace
}  // namespace iris::net
