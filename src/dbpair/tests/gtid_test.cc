#include "dbpair/gtid.h"

#include <gtest/gtest.h>

namespace iris::dbpair {
namespace {

GtidPos pos(std::string_view text) { return GtidPos::parse(text).value(); }

TEST(GtidPosTest, ParsesEveryDomainAndPrintsItBack) {
  EXPECT_EQ(pos("0-1-42,1-2-7").to_string(), "0-1-42,1-2-7");
  EXPECT_TRUE(pos("").empty());
  // SHOW SLAVE STATUS wraps long positions after commas.
  EXPECT_EQ(pos("0-1-42,\n1-2-7").to_string(), "0-1-42,1-2-7");
}

TEST(GtidPosTest, RefusesMalformedPositions) {
  for (std::string_view bad : {"0-1", "a-1-2", "0-1-2,", "0-1-2,0-2-3", "0--2", "-1-2-3",
                               "0-1-99999999999999999999999"}) {
    EXPECT_FALSE(GtidPos::parse(bad)) << bad;
  }
}

TEST(GtidPosTest, WithinComparesSeqPerDomainWhicheverServerWroteIt) {
  // After a failover the new primary's server id writes the next seqs of the same domain.
  EXPECT_TRUE(pos("0-1-5").within(pos("0-2-6")));
  EXPECT_TRUE(pos("0-1-5").within(pos("0-1-5")));
  EXPECT_FALSE(pos("0-1-6").within(pos("0-2-5")));
  EXPECT_TRUE(pos("").within(pos("0-1-1")));
  EXPECT_FALSE(pos("0-1-1").within(pos("")));
  EXPECT_FALSE(pos("0-1-1,1-1-1").within(pos("0-1-9")));
  EXPECT_TRUE(pos("0-1-1").within(pos("0-1-9,1-1-1")));
}

}  // namespace
}  // namespace iris::dbpair
