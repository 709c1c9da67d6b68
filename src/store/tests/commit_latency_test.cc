#include "store/commit_latency.h"

#include <gtest/gtest.h>

namespace iris::store {
namespace {

using namespace std::chrono_literals;

TEST(CommitLatency, CountsEachObservationInTheFirstBucketThatHoldsIt) {
  CommitLatency latency;
  latency.record(100us);    // <= 0.0005 s: bucket 0
  latency.record(500us);    // exactly on the first bound: still bucket 0 (upper bounds are inclusive)
  latency.record(3ms);      // (0.0025, 0.005]: bucket 3
  latency.record(10s);      // above the last bound: the overflow bucket
  const LatencyHistogram h = latency.read();
  ASSERT_EQ(h.bounds_seconds.size(), CommitLatency::kBounds.size());
  ASSERT_EQ(h.counts.size(), CommitLatency::kBounds.size() + 1);
  EXPECT_EQ(h.counts[0], 2u);
  EXPECT_EQ(h.counts[3], 1u);
  EXPECT_EQ(h.counts.back(), 1u);
  EXPECT_EQ(h.count, 4u);
  EXPECT_NEAR(h.sum_seconds, 10.0036, 1e-9);
}

TEST(CommitLatency, StartsEmpty) {
  const LatencyHistogram h = CommitLatency().read();
  EXPECT_EQ(h.count, 0u);
  EXPECT_EQ(h.sum_seconds, 0.0);
  for (auto c : h.counts) EXPECT_EQ(c, 0u);
}

}  // namespace
}  // namespace iris::store
