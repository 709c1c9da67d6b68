#include "net/preauth_budget.h"

#include <gtest/gtest.h>

namespace iris::net {
namespace {

using Verdict = PreauthBudget::Verdict;

PreauthBudget::Source src(const char* address) {
  return PreauthBudget::source_of(boost::asio::ip::make_address(address));
}

TEST(PreauthBudget, OneSourceCannotTakeTheSlotsOfAnother) {
  PreauthBudget b(10, 2);
  EXPECT_EQ(b.admit(src("127.0.0.2")), Verdict::admitted);
  EXPECT_EQ(b.admit(src("127.0.0.2")), Verdict::admitted);
  EXPECT_EQ(b.admit(src("127.0.0.2")), Verdict::source_full);
  EXPECT_EQ(b.admit(src("127.0.0.3")), Verdict::admitted);
  EXPECT_EQ(b.total(), 3u);
  b.release(src("127.0.0.2"));
  EXPECT_EQ(b.admit(src("127.0.0.2")), Verdict::admitted);
}

TEST(PreauthBudget, RefusesEveryoneAtTheTotalUntilASlotIsReleased) {
  PreauthBudget b(3, 2);
  EXPECT_EQ(b.admit(src("10.0.0.1")), Verdict::admitted);
  EXPECT_EQ(b.admit(src("10.0.0.2")), Verdict::admitted);
  EXPECT_EQ(b.admit(src("10.0.0.3")), Verdict::admitted);
  EXPECT_EQ(b.admit(src("10.0.0.4")), Verdict::total_full);
  b.release(src("10.0.0.2"));
  EXPECT_EQ(b.admit(src("10.0.0.4")), Verdict::admitted);
}

TEST(PreauthBudget, AnIpv6SlashSixtyFourIsOneSourceAndAMappedIpv4IsItsIpv4) {
  PreauthBudget b(10, 1);
  EXPECT_EQ(b.admit(src("2001:db8:1:2::1")), Verdict::admitted);
  EXPECT_EQ(b.admit(src("2001:db8:1:2:ffff::7")), Verdict::source_full) << "same /64";
  EXPECT_EQ(b.admit(src("2001:db8:1:3::1")), Verdict::admitted) << "another /64";
  EXPECT_EQ(b.admit(src("192.0.2.1")), Verdict::admitted);
  EXPECT_EQ(b.admit(src("::ffff:192.0.2.1")), Verdict::source_full);
  EXPECT_NE(src("192.0.2.1"), src("192.0.2.2"));
}

TEST(PreauthBudget, ForgetsASourceThatHoldsNothingAndZeroMeansNoLimit) {
  PreauthBudget b(0, 0);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(b.admit(src("127.0.0.2")), Verdict::admitted);
  EXPECT_EQ(b.held_by(src("127.0.0.2")), 1000u);
  for (int i = 0; i < 1000; ++i) b.release(src("127.0.0.2"));
  EXPECT_EQ(b.held_by(src("127.0.0.2")), 0u);
  EXPECT_EQ(b.total(), 0u);
}

}  // namespace
}  // namespace iris::net
