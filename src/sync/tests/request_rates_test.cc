#include "sync/request_rates.h"

#include <gtest/gtest.h>

namespace iris::sync {
namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

core::Timestamp at(std::chrono::milliseconds t) { return core::Timestamp{t}; }

TEST(TokenBucket, AdmitsTheBurstThenOneTokenPerInterval) {
  const RateLimit limit{10, 3};  // one token per 100 ms
  TokenBucket b(limit, at(0ms));
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(b.wait(limit, at(0ms))) << i;
    b.take();
  }
  EXPECT_EQ(b.wait(limit, at(0ms)), ms{100});
  EXPECT_EQ(b.wait(limit, at(40ms)), ms{60}) << "the wait shrinks as time passes";
  EXPECT_FALSE(b.wait(limit, at(100ms)));
  b.take();
  EXPECT_EQ(b.wait(limit, at(100ms)), ms{100});
}

TEST(TokenBucket, NeverHoldsMoreThanItsBurst) {
  const RateLimit limit{10, 2};
  TokenBucket b(limit, at(0ms));
  EXPECT_TRUE(b.full(limit, at(1h)));
  b.take();
  b.take();
  EXPECT_FALSE(b.full(limit, at(1h)));
  EXPECT_EQ(b.wait(limit, at(1h)), ms{100}) << "an hour of quiet earns only the burst";
}

TEST(TokenBucket, AClockSteppingBackEarnsNothingAndTakesNothing) {
  const RateLimit limit{1, 1};
  TokenBucket b(limit, at(10s));
  b.take();
  EXPECT_EQ(b.wait(limit, at(5s)), ms{1000});
  EXPECT_FALSE(b.wait(limit, at(11s)));
}

TEST(TokenBucket, ARateOfZeroIsNoLimit) {
  const RateLimit off{0, 1};
  TokenBucket b(off, at(0ms));
  for (int i = 0; i < 10'000; ++i) ASSERT_FALSE(b.wait(off, at(0ms)));
}

TEST(RequestRates, AConnectionIsLimitedWithinItsUsersBudget) {
  RequestRateLimits limits;
  limits.user = {{10, 4}, {1, 1}};
  limits.connection = {{10, 2}, {1, 1}};
  RequestRates user(limits.user, at(0ms));
  RequestRates phone(limits.connection, at(0ms)), laptop(limits.connection, at(0ms));
  EXPECT_FALSE(RequestRates::admit(RequestKind::send, user, &phone, limits, at(0ms)));
  EXPECT_FALSE(RequestRates::admit(RequestKind::send, user, &phone, limits, at(0ms)));
  EXPECT_EQ(RequestRates::admit(RequestKind::send, user, &phone, limits, at(0ms)), ms{100})
      << "the phone's burst is spent";
  EXPECT_FALSE(RequestRates::admit(RequestKind::send, user, &laptop, limits, at(0ms)))
      << "the refusal took nothing from the user";
  EXPECT_FALSE(RequestRates::admit(RequestKind::send, user, nullptr, limits, at(0ms))) << "HTTP";
  EXPECT_EQ(RequestRates::admit(RequestKind::send, user, &laptop, limits, at(0ms)), ms{100})
      << "the user's burst is spent, whatever the connection";
}

TEST(RequestRates, SendsAndThreadOperationsHaveTheirOwnBuckets) {
  RequestRateLimits limits;
  limits.user = {{1, 1}, {1, 1}};
  limits.connection = {{0, 1}, {0, 1}};
  RequestRates user(limits.user, at(0ms));
  RequestRates conn(limits.connection, at(0ms));
  EXPECT_FALSE(RequestRates::admit(RequestKind::send, user, &conn, limits, at(0ms)));
  EXPECT_TRUE(RequestRates::admit(RequestKind::send, user, &conn, limits, at(0ms)));
  EXPECT_FALSE(RequestRates::admit(RequestKind::thread_op, user, &conn, limits, at(0ms)));
  EXPECT_EQ(RequestRates::admit(RequestKind::thread_op, user, &conn, limits, at(500ms)), ms{500});
}

}  // namespace
}  // namespace iris::sync
