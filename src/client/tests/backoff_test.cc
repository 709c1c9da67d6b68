#include "client/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace iris::client {
namespace {

using ms = std::chrono::milliseconds;

TEST(Backoff, EachDelayIsBetweenHalfTheCapAndTheCap) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    Backoff b(ms{100}, ms{5000}, seed);
    for (int n = 0; n < 12; ++n) {
      const ms cap = b.cap(n);
      const ms d = b.next();
      EXPECT_GE(d, cap / 2) << "seed " << seed << " attempt " << n;
      EXPECT_LE(d, cap) << "seed " << seed << " attempt " << n;
    }
  }
}

TEST(Backoff, TheCapDoublesUpToTheMaximum) {
  Backoff b(ms{100}, ms{1000}, 1);
  EXPECT_EQ(b.cap(0), ms{100});
  EXPECT_EQ(b.cap(1), ms{200});
  EXPECT_EQ(b.cap(3), ms{800});
  EXPECT_EQ(b.cap(4), ms{1000});
  EXPECT_EQ(b.cap(60), ms{1000});  // no overflow however long the outage
}

TEST(Backoff, JitterSpreadsDevicesApart) {
  std::set<std::int64_t> first_delays;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) first_delays.insert(Backoff(ms{1000}, ms{8000}, seed).next().count());
  EXPECT_GT(first_delays.size(), 10u);
}

TEST(Backoff, ResetStartsAgainFromTheInitialDelay) {
  Backoff b(ms{100}, ms{10000}, 3);
  for (int i = 0; i < 5; ++i) b.next();
  EXPECT_EQ(b.failures(), 5);
  b.reset();
  EXPECT_LE(b.next(), ms{100});
}

}  // namespace
}  // namespace iris::client
