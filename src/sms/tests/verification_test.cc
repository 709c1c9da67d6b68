#include "sms/verification.h"

#include <gtest/gtest.h>

#include <set>

#include "sms/errc.h"

namespace iris::sms {
namespace {

using namespace std::chrono_literals;
using Time = Verifications::Time;

const core::UserId kAnn{1};
const core::UserId kBob{2};
const std::string kPhone = "+15551230001";
const Time t0{std::chrono::hours(1000)};

std::error_code code_of(const Result<void>& r) { return r ? std::error_code() : r.error(); }

TEST(SmsVerification, TheRightCodeConfirmsOnceAndOnlyForItsUserAndNumber) {
  Verifications v(VerificationLimits{});
  ASSERT_TRUE(v.start(kAnn, kPhone, "123456", t0));
  EXPECT_EQ(code_of(v.confirm(kBob, kPhone, "123456", t0)), errc::no_code);
  EXPECT_EQ(code_of(v.confirm(kAnn, "+15551230002", "123456", t0)), errc::no_code);
  EXPECT_TRUE(v.confirm(kAnn, kPhone, "123456", t0 + 1s));
  // Used: the same code again finds nothing.
  EXPECT_EQ(code_of(v.confirm(kAnn, kPhone, "123456", t0 + 2s)), errc::no_code);
  EXPECT_EQ(v.pending(), 0u);
}

TEST(SmsVerification, ACodeExpiresAfterItsTtl) {
  VerificationLimits limits;
  limits.code_ttl = 600s;
  Verifications v(limits);
  ASSERT_TRUE(v.start(kAnn, kPhone, "123456", t0));
  EXPECT_EQ(code_of(v.confirm(kAnn, kPhone, "123456", t0 + 600s)), errc::no_code);
  ASSERT_TRUE(v.start(kAnn, kPhone, "654321", t0 + 601s));
  EXPECT_TRUE(v.confirm(kAnn, kPhone, "654321", t0 + 1200s));
}

TEST(SmsVerification, WrongCodesAreCountedAndTheLastAttemptDropsTheCode) {
  VerificationLimits limits;
  limits.max_attempts = 3;
  Verifications v(limits);
  ASSERT_TRUE(v.start(kAnn, kPhone, "123456", t0));
  EXPECT_EQ(code_of(v.confirm(kAnn, kPhone, "000000", t0)), errc::wrong_code);
  EXPECT_EQ(code_of(v.confirm(kAnn, kPhone, "12345", t0)), errc::wrong_code);  // a shorter guess counts too
  EXPECT_EQ(code_of(v.confirm(kAnn, kPhone, "1234567", t0)), errc::too_many_attempts);
  // The right code is of no use once the attempts are spent.
  EXPECT_EQ(code_of(v.confirm(kAnn, kPhone, "123456", t0)), errc::no_code);
}

TEST(SmsVerification, ANewCodeReplacesThePendingOneAndItsAttempts) {
  VerificationLimits limits;
  limits.max_attempts = 2;
  Verifications v(limits);
  ASSERT_TRUE(v.start(kAnn, kPhone, "111111", t0));
  EXPECT_EQ(code_of(v.confirm(kAnn, kPhone, "000000", t0)), errc::wrong_code);
  ASSERT_TRUE(v.start(kAnn, kPhone, "222222", t0 + 1s));
  EXPECT_EQ(code_of(v.confirm(kAnn, kPhone, "111111", t0 + 2s)), errc::wrong_code);
  EXPECT_TRUE(v.confirm(kAnn, kPhone, "222222", t0 + 3s));
}

TEST(SmsVerification, AUserHasFewNumbersPendingAtOnce) {
  VerificationLimits limits;
  limits.max_pending_per_user = 2;
  limits.code_ttl = 60s;
  Verifications v(limits);
  ASSERT_TRUE(v.start(kAnn, "+15550000001", "1", t0));
  ASSERT_TRUE(v.start(kAnn, "+15550000002", "2", t0));
  EXPECT_EQ(code_of(v.start(kAnn, "+15550000003", "3", t0)), errc::too_many_pending);
  EXPECT_TRUE(v.start(kBob, "+15550000003", "3", t0)) << "another user's pending codes do not count";
  EXPECT_TRUE(v.start(kAnn, "+15550000001", "4", t0)) << "a new code for a pending number is no new number";
  // Expired codes stop counting.
  EXPECT_TRUE(v.start(kAnn, "+15550000003", "5", t0 + 61s));
}

TEST(SmsVerification, CodesAreRateLimitedPerUserAndPerNumberOverASlidingHour) {
  VerificationLimits limits;
  limits.per_user_per_hour = 3;
  limits.per_number_per_hour = 2;
  limits.max_pending_per_user = 10;
  Verifications v(limits);
  ASSERT_TRUE(v.start(kAnn, kPhone, "1", t0));
  ASSERT_TRUE(v.start(kAnn, kPhone, "2", t0 + 1s));
  EXPECT_EQ(code_of(v.start(kAnn, kPhone, "3", t0 + 2s)), errc::verification_rate_limited);
  EXPECT_EQ(code_of(v.start(kBob, kPhone, "3", t0 + 2s)), errc::verification_rate_limited)
      << "the number's limit holds whoever asks";
  ASSERT_TRUE(v.start(kAnn, "+15550000009", "4", t0 + 3s));
  EXPECT_EQ(code_of(v.start(kAnn, "+15550000008", "5", t0 + 4s)), errc::verification_rate_limited);
  // A refused start sent nothing and changed nothing: the pending code still works.
  EXPECT_TRUE(v.confirm(kAnn, kPhone, "2", t0 + 5s));
  // An hour after the first send, one more is allowed.
  EXPECT_TRUE(v.start(kAnn, "+15550000008", "6", t0 + 3600s));
}

TEST(SmsVerification, TheWholeMachineIsBoundedAndFreesExpiredEntries) {
  VerificationLimits limits;
  limits.max_pending = 4;
  limits.code_ttl = 60s;
  Verifications v(limits);
  for (std::uint64_t u = 1; u <= 4; ++u) ASSERT_TRUE(v.start(core::UserId{u}, "+1555000000" + std::to_string(u), "1", t0));
  EXPECT_EQ(code_of(v.start(core::UserId{5}, "+15550000005", "1", t0)), errc::verification_busy);
  // Pending codes expired, but the rate windows (an hour) still hold four users: still busy.
  EXPECT_EQ(code_of(v.start(core::UserId{5}, "+15550000005", "1", t0 + 61s)), errc::verification_busy);
  EXPECT_TRUE(v.start(core::UserId{5}, "+15550000005", "1", t0 + 3601s));
  EXPECT_LE(v.pending(), 4u);
}

TEST(SmsVerification, RandomCodesAreDigitsOfTheAskedLength) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto c = random_code(6);
    ASSERT_EQ(c.size(), 6u);
    for (char d : c) ASSERT_TRUE(d >= '0' && d <= '9') << c;
    seen.insert(c);
  }
  EXPECT_GT(seen.size(), 190u);
}

}  // namespace
}  // namespace iris::sms
