#include "net/prometheus_writer.h"

#include <gtest/gtest.h>

#include <array>
#include <limits>

namespace iris::net {
namespace {

TEST(PrometheusWriter, WritesACounterWithHelpAndType) {
  PrometheusWriter w;
  w.counter("iris_acks_total", "Acks.", 42);
  EXPECT_EQ(w.text(), "# HELP iris_acks_total Acks.\n# TYPE iris_acks_total counter\niris_acks_total 42\n");
}

TEST(PrometheusWriter, WritesLabelledSamplesOfOneFamily) {
  PrometheusWriter w;
  w.counter("x_total", "X.", {{"unit", "batches", 3}, {"unit", "updates", 10}});
  EXPECT_EQ(w.text(),
            "# HELP x_total X.\n# TYPE x_total counter\n"
            "x_total{unit=\"batches\"} 3\nx_total{unit=\"updates\"} 10\n");
}

TEST(PrometheusWriter, WritesGaugesWithFractions) {
  PrometheusWriter w;
  w.gauge("g", "G.", 0.25);
  w.gauge("h", "H.", 7);
  EXPECT_EQ(w.text(), "# HELP g G.\n# TYPE g gauge\ng 0.25\n# HELP h H.\n# TYPE h gauge\nh 7\n");
}

TEST(PrometheusWriter, WritesHistogramBucketsCumulativelyWithInfSumAndCount) {
  PrometheusWriter w;
  const std::array<double, 2> bounds = {0.001, 0.5};
  const std::array<std::uint64_t, 3> counts = {2, 3, 1};
  w.histogram("lat_seconds", "Latency.", bounds, counts, 1.75);
  EXPECT_EQ(w.text(),
            "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{le=\"0.001\"} 2\n"
            "lat_seconds_bucket{le=\"0.5\"} 5\n"
            "lat_seconds_bucket{le=\"+Inf\"} 6\n"
            "lat_seconds_sum 1.75\n"
            "lat_seconds_count 6\n");
}

TEST(PrometheusWriter, EscapesLabelValuesAndHelp) {
  PrometheusWriter w;
  w.counter("c", "line\\one\ntwo", {{"l", "a\"b\\c\nd", 1}});
  EXPECT_EQ(w.text(),
            "# HELP c line\\\\one\\ntwo\n# TYPE c counter\n"
            "c{l=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(PrometheusWriter, WritesSpecialValues) {
  PrometheusWriter w;
  w.gauge("inf", "I.", std::numeric_limits<double>::infinity());
  w.gauge("nan", "N.", std::numeric_limits<double>::quiet_NaN());
  EXPECT_NE(w.text().find("inf +Inf\n"), std::string::npos);
  EXPECT_NE(w.text().find("nan NaN\n"), std::string::npos);
}

TEST(PrometheusWriter, TakeLeavesItEmpty) {
  PrometheusWriter w;
  w.counter("a", "A.", 1);
  const std::string text = w.take();
  EXPECT_FALSE(text.empty());
  EXPECT_TRUE(w.text().empty());
}

}  // namespace
}  // namespace iris::net
