#include "sync/fanout_tracker.h"

#include <gtest/gtest.h>

namespace iris::sync {
namespace {

using core::Seq;
using core::UserId;

const FanoutKey kOne{UserId{1}, Seq{5}}, kTwo{UserId{1}, Seq{6}};

TEST(FanoutTracker, ThePointerAdvancesOnlyWhenEveryOwnerConfirmed) {
  FanoutTracker t(10);
  ASSERT_TRUE(t.admit(kOne, {"b", "c"}));
  EXPECT_FALSE(t.confirmed(kOne, "b"));
  EXPECT_FALSE(t.confirmed(kOne, "b")) << "a repeated confirmation counts once";
  EXPECT_TRUE(t.confirmed(kOne, "c")) << "the last owner: remove the row";
  EXPECT_TRUE(t.tracking(kOne)) << "in hand until the store removed it, so no scan re-sends it";
  t.removed(kOne);
  EXPECT_FALSE(t.tracking(kOne));
}

TEST(FanoutTracker, AFailureAnywhereForgetsTheWholeRowForTheNextScan) {
  FanoutTracker t(10);
  ASSERT_TRUE(t.admit(kOne, {"b", "c"}));
  EXPECT_FALSE(t.confirmed(kOne, "b"));
  t.failed(kOne);
  EXPECT_FALSE(t.tracking(kOne));
  EXPECT_FALSE(t.confirmed(kOne, "c")) << "a late confirmation of a forgotten row removes nothing";
  EXPECT_TRUE(t.admit(kOne, {"b", "c"})) << "the scan sends it again, whole";
}

TEST(FanoutTracker, ALostLinkFailsEveryRowOutstandingThere) {
  FanoutTracker t(10);
  ASSERT_TRUE(t.admit(kOne, {"b"}));
  ASSERT_TRUE(t.admit(kTwo, {"c"}));
  EXPECT_EQ(t.fail_owner("b"), std::vector<FanoutKey>{kOne});
  EXPECT_FALSE(t.tracking(kOne));
  EXPECT_TRUE(t.tracking(kTwo));
}

TEST(FanoutTracker, ARowConfirmedEverywhereIsNotFailedWhileItIsRemoved) {
  FanoutTracker t(10);
  ASSERT_TRUE(t.admit(kOne, {"b"}));
  ASSERT_TRUE(t.confirmed(kOne, "b"));
  t.failed(kOne);
  EXPECT_TRUE(t.fail_owner("b").empty());
  EXPECT_TRUE(t.tracking(kOne));
}

TEST(FanoutTracker, RefusesRowsInHandAndBeyondItsBound) {
  FanoutTracker t(1);
  ASSERT_TRUE(t.admit(kOne, {"b"}));
  EXPECT_FALSE(t.admit(kOne, {"b"})) << "in hand already";
  EXPECT_FALSE(t.admit(kTwo, {"b"})) << "full: the row waits in the store";
  EXPECT_FALSE(FanoutTracker(5).admit(kOne, {})) << "no owner to send to";
}

}  // namespace
}  // namespace iris::sync
