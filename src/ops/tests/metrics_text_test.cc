#include "ops/metrics_text.h"

#include <gtest/gtest.h>

#include <cmath>

namespace iris::ops {
namespace {

TEST(MetricsTextTest, SumsASampleOverItsLabels) {
  const auto s = sum_samples(
      "# HELP iris_connections open connections\n"
      "# TYPE iris_connections gauge\n"
      "iris_connections{listener=\"mqtt\"} 3\n"
      "iris_connections{listener=\"ws\"} 2\n"
      "iris_store_writable 1\n");
  EXPECT_EQ(value_of(s, "iris_connections"), 5.0);
  EXPECT_EQ(value_of(s, "iris_store_writable"), 1.0);
  EXPECT_EQ(value_of(s, "iris_absent"), std::nullopt);
}

TEST(MetricsTextTest, ReadsExponentsTimestampsAndSpecialValues) {
  const auto s = sum_samples("a 1.5e3\nb 2 1700000000000\nc +Inf\n");
  EXPECT_EQ(value_of(s, "a"), 1500.0);
  EXPECT_EQ(value_of(s, "b"), 2.0);
  EXPECT_TRUE(std::isinf(*value_of(s, "c")));
}

TEST(MetricsTextTest, SkipsLinesThatDoNotParse) {
  const auto s = sum_samples("{oops} 1\nx{unclosed 2\ny notanumber\nz 4\n\n");
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(value_of(s, "z"), 4.0);
}

TEST(MetricsTextTest, ReadsAtMostTheGivenNumberOfLines) {
  const auto s = sum_samples("a 1\nb 1\nc 1\n", 2);
  EXPECT_EQ(s.size(), 2u);
}

}  // namespace
}  // namespace iris::ops
