#include "core/retention.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/testing/random_updates.h"

namespace iris::core {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

Timestamp at_hour(int h) { return Timestamp{hours(h)}; }

std::vector<Update> queue_at_hours(std::initializer_list<int> times) {
  std::vector<Update> v;
  std::uint64_t seq = 10;
  for (int h : times) {
    v.push_back(testing::message(ThreadId{1}, UserId{1}, "x", at_hour(h)));
    v.back().seq = Seq{seq++};
  }
  return v;
}

const RetentionPolicy kDay{hours(24)};

TEST(Retention, TrimsOnlyUpdatesOlderThanTheWindow) {
  auto q = queue_at_hours({0, 1, 2, 30});
  EXPECT_EQ(trim_point(q, Seq{100}, at_hour(25), kDay), Seq{11});
  EXPECT_EQ(trim_point(q, Seq{100}, at_hour(23), kDay), std::nullopt);
  EXPECT_EQ(trim_point(q, Seq{100}, at_hour(24), kDay), Seq{10}) << "exactly window-old trims";
}

TEST(Retention, NeverTrimsPastTheStorageCursor) {
  auto q = queue_at_hours({0, 1, 2, 3});
  EXPECT_EQ(trim_point(q, Seq{11}, at_hour(1000), kDay), Seq{11});
  EXPECT_EQ(trim_point(q, Seq{9}, at_hour(1000), kDay), std::nullopt);
  EXPECT_EQ(trim_point(q, std::nullopt, at_hour(1000), kDay), std::nullopt)
      << "a storage cursor that never moved pins everything";
}

TEST(Retention, StopsAtTheFirstYoungUpdateEvenIfLaterOnesAreOld) {
  auto q = queue_at_hours({0, 50, 1, 2});
  EXPECT_EQ(trim_point(q, Seq{100}, at_hour(30), kDay), Seq{10});
}

TEST(Retention, DeviceMustResyncOnlyWhenUpdatesAfterItsCursorWereTrimmed) {
  EXPECT_FALSE(must_resync(Seq{0}, Seq{1}));
  EXPECT_FALSE(must_resync(Seq{9}, Seq{10}));
  EXPECT_TRUE(must_resync(Seq{8}, Seq{10}));
  EXPECT_FALSE(must_resync(Seq{20}, Seq{10}));
}

TEST(Retention, LengthCapTrimsDownToTheCap) {
  const RetentionPolicy cap{hours(24), 3};
  EXPECT_EQ(length_trim_point(Seq{1}, Seq{10}, Seq{10}, cap), Seq{7}) << "8, 9 and 10 remain";
  EXPECT_EQ(length_trim_point(Seq{8}, Seq{10}, Seq{10}, cap), std::nullopt) << "already at the cap";
}

TEST(Retention, LengthCapNeverPassesTheStorageCursor) {
  const RetentionPolicy cap{hours(24), 3};
  EXPECT_EQ(length_trim_point(Seq{1}, Seq{10}, Seq{4}, cap), Seq{4});
  EXPECT_EQ(length_trim_point(Seq{5}, Seq{10}, Seq{4}, cap), std::nullopt) << "history has nothing newer";
  EXPECT_EQ(length_trim_point(Seq{1}, Seq{10}, std::nullopt, cap), std::nullopt);
}

TEST(Retention, NoLengthCapByDefault) {
  EXPECT_EQ(length_trim_point(Seq{1}, Seq{1'000'000}, Seq{1'000'000}, RetentionPolicy{}), std::nullopt);
  EXPECT_EQ(length_trim_point(Seq{1}, Seq{0}, Seq{0}, RetentionPolicy{hours(1), 1}), std::nullopt)
      << "an empty queue";
}

}  // namespace
}  // namespace iris::core
