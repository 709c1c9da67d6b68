#include "net/sync_membership.h"

#include <gtest/gtest.h>

#include <thread>

namespace iris::net {
namespace {

// The positive answers need a running server (tests/e2e covers them with irisd); what can
// be checked alone is the guard: off every shard thread, nobody is a member of anything.
TEST(SyncMembership, SaysNoOnAThreadThatIsNoShards) {
  const SyncMembership membership;
  EXPECT_FALSE(membership.is_participant("1", "2"));
  bool other = true;
  std::thread([&] { other = membership.is_participant("1", "2"); }).join();
  EXPECT_FALSE(other);
}

}  // namespace
}  // namespace iris::net
