#include "dbpair/monitor.h"

#include <gtest/gtest.h>

namespace iris::dbpair {
namespace {

TEST(MonitorMetricsTest, TextExposesEveryCounterAndGaugeWithHelpAndType) {
  MonitorMetrics m;
  m.failovers = 3;
  m.semisync_fallbacks = 1;
  m.primary = 1;
  m.replica_may_lag = false;
  const std::string text = m.text();
  EXPECT_NE(text.find("# TYPE iris_dbmon_failovers_total counter\niris_dbmon_failovers_total 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("iris_dbmon_semisync_fallbacks_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE iris_dbmon_primary gauge\niris_dbmon_primary 1\n"), std::string::npos);
  EXPECT_NE(text.find("iris_dbmon_replica_may_lag 0\n"), std::string::npos);
  for (const char* name : {"rounds_total", "failed_promotions_total", "generation_bumps_total",
                           "fences_total", "rejoins_total"}) {
    EXPECT_NE(text.find(std::string("# HELP iris_dbmon_") + name + " "), std::string::npos) << name;
  }
}

TEST(MonitorMetricsTest, UnknownPrimaryIsMinusOneAndMayLagUntilAFirstCleanRound) {
  const std::string text = MonitorMetrics{}.text();
  EXPECT_NE(text.find("iris_dbmon_primary -1\n"), std::string::npos);
  EXPECT_NE(text.find("iris_dbmon_replica_may_lag 1\n"), std::string::npos);
}

}  // namespace
}  // namespace iris::dbpair
