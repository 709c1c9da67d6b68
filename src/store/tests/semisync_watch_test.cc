#include "store/mariadb/detail/semisync_watch.h"

#include <gtest/gtest.h>

namespace iris::store::mariadb::detail {
namespace {

TEST(SemiSyncWatch, ReportsTheTurnFromOnToOffOnceAndNotWhileItStaysOff) {
  SemiSyncWatch w;
  EXPECT_FALSE(w.observe({"db1:1", true, 0}));
  EXPECT_TRUE(w.observe({"db1:1", false, 1}));
  EXPECT_FALSE(w.observe({"db1:1", false, 5})) << "one fallback, one report";
  EXPECT_FALSE(w.observe({"db1:1", true, 5})) << "back on";
}

TEST(SemiSyncWatch, ReportsAFallbackAndRecoveryBetweenTwoSamplesByTheNoTxCount) {
  SemiSyncWatch w;
  EXPECT_FALSE(w.observe({"db1:1", true, 2}));
  EXPECT_TRUE(w.observe({"db1:1", true, 3}));
}

TEST(SemiSyncWatch, AServerWithoutSemiSyncOrANewPrimaryIsNoFallback) {
  SemiSyncWatch w;
  EXPECT_FALSE(w.observe({"single:1", false, 0})) << "never on: not configured";
  EXPECT_FALSE(w.observe({"single:1", false, 0}));
  EXPECT_FALSE(w.observe({"db1:1", true, 7}));
  EXPECT_FALSE(w.observe({"db2:1", true, 0})) << "a failover: counts start over";
}

}  // namespace
}  // namespace iris::store::mariadb::detail
