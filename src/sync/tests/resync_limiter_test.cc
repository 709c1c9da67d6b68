#include "sync/resync_limiter.h"

#include <gtest/gtest.h>

#include <set>

namespace iris::sync {
namespace {

using namespace std::chrono_literals;

TEST(ResyncLimiter, AllowsABurstThenAsksToWaitWithJitter) {
  ResyncLimiter limiter({.burst = 2, .refill = 10'000ms, .jitter = 0.5});
  std::mt19937_64 rng(1);
  const core::Timestamp t0{1'000'000ms};
  EXPECT_FALSE(limiter.admit(core::UserId{1}, t0, rng));
  EXPECT_FALSE(limiter.admit(core::UserId{1}, t0, rng));
  auto wait = limiter.admit(core::UserId{1}, t0, rng);
  ASSERT_TRUE(wait);
  EXPECT_GE(*wait, 10'000ms);
  EXPECT_LE(*wait, 15'000ms);
  EXPECT_FALSE(limiter.admit(core::UserId{2}, t0, rng)) << "users are limited separately";
}

TEST(ResyncLimiter, RetryAftersAreSpreadOut) {
  std::mt19937_64 rng(2);
  std::set<std::int64_t> waits;
  for (std::uint64_t u = 0; u < 50; ++u) {
    ResyncLimiter limiter({.burst = 1, .refill = 10'000ms, .jitter = 0.5});
    limiter.admit(core::UserId{u}, core::Timestamp{}, rng);
    waits.insert(limiter.admit(core::UserId{u}, core::Timestamp{}, rng)->count());
  }
  EXPECT_GT(waits.size(), 40u);
}

TEST(ResyncLimiter, RefillsOverTimeAndForgetsIdleUsers) {
  ResyncLimiter limiter({.burst = 1, .refill = 1000ms, .jitter = 0});
  std::mt19937_64 rng(3);
  EXPECT_FALSE(limiter.admit(core::UserId{1}, core::Timestamp{0ms}, rng));
  EXPECT_EQ(limiter.admit(core::UserId{1}, core::Timestamp{400ms}, rng), 600ms);
  EXPECT_FALSE(limiter.admit(core::UserId{1}, core::Timestamp{1000ms}, rng));
  EXPECT_EQ(limiter.forget_idle(core::Timestamp{1500ms}), 0u);
  EXPECT_EQ(limiter.forget_idle(core::Timestamp{2000ms}), 1u);
}

}  // namespace
}  // namespace iris::sync
