#include "sync/retention_trimmer.h"

#include <gtest/gtest.h>

#include "core/testing/random_updates.h"
#include "store/memory/memory_queue_store.h"

namespace iris::sync {
namespace {

using core::Seq;
using core::UserId;
using namespace std::chrono_literals;

constexpr std::chrono::hours kDay{24};
core::Timestamp day(double d) {
  return core::Timestamp{std::chrono::duration_cast<std::chrono::milliseconds>(d * std::chrono::duration<double, std::ratio<86400>>(1))};
}

class RetentionTrimmerTest : public ::testing::Test {
 protected:
  void send(UserId user, int n, core::Timestamp time) {
    for (int i = 0; i < n; ++i) {
      store::AppendRequest r;
      r.entries.push_back({user, core::testing::message(core::ThreadId{1}, user, "m", time)});
      ASSERT_TRUE(queue_->append(std::move(r)));
    }
  }
  void storage_to(UserId user, Seq s) {
    ASSERT_TRUE(queue_->advance_cursor(user, core::CursorName::storage(), s));
  }
  Seq first(UserId user) { return queue_->info(user)->first_retained; }
  RetentionTrimmer trimmer(core::RetentionPolicy policy = {}) {
    return RetentionTrimmer(*queue_, RetentionOptions{policy, 1h, 100'000}, [this] { return now_; });
  }

  std::unique_ptr<store::QueueStore> queue_ = store::make_memory_queue_store();
  core::Timestamp now_ = day(0);
};

TEST_F(RetentionTrimmerTest, TrimsWhatIsOlderThanTheWindowAndBehindTheStorageCursor) {
  send(UserId{1}, 10, day(0));
  storage_to(UserId{1}, Seq{6});
  auto t = trimmer();
  now_ = day(6.9);
  t.run_once();
  EXPECT_EQ(first(UserId{1}), Seq{1}) << "younger than 7 days: nothing goes";
  now_ = day(7);
  t.run_once();
  EXPECT_EQ(first(UserId{1}), Seq{7}) << "old enough, but only up to the storage cursor";
  EXPECT_EQ(t.metrics().trimmed_updates, 6u);
  EXPECT_EQ(t.metrics().trimmed_queues, 1u);
  EXPECT_EQ(t.metrics().passes, 2u);
}

TEST_F(RetentionTrimmerTest, AYoungUpdateEndsThePrefix) {
  send(UserId{1}, 3, day(0));
  send(UserId{1}, 3, day(5));
  storage_to(UserId{1}, Seq{6});
  auto t = trimmer();
  now_ = day(8);
  t.run_once();
  EXPECT_EQ(first(UserId{1}), Seq{4});
}

TEST_F(RetentionTrimmerTest, HistoryOutageMeansNothingIsTrimmedThatStorageLacks) {
  send(UserId{1}, 5, day(0));
  auto t = trimmer();
  now_ = day(30);
  t.run_once();
  EXPECT_EQ(first(UserId{1}), Seq{1}) << "no storage cursor yet: history has nothing";
  storage_to(UserId{1}, Seq{2});
  t.run_once();
  EXPECT_EQ(first(UserId{1}), Seq{3});
  EXPECT_EQ(t.metrics().failures, 0u);
}

TEST_F(RetentionTrimmerTest, LengthCapTrimsOnlyWhatStorageHolds) {
  send(UserId{1}, 10, day(0));
  storage_to(UserId{1}, Seq{5});
  auto t = trimmer({7 * kDay, 3});
  now_ = day(1);
  t.run_once();
  EXPECT_EQ(first(UserId{1}), Seq{6}) << "the cap wants 8..10, the storage cursor allows up to 5";
  storage_to(UserId{1}, Seq{10});
  t.run_once();
  EXPECT_EQ(first(UserId{1}), Seq{8});
  EXPECT_EQ(queue_->info(UserId{1})->head, Seq{10});
}

TEST_F(RetentionTrimmerTest, ADeviceOfflineForADayHoldsNothingBackAndWillResync) {
  send(UserId{1}, 4, day(0));
  ASSERT_TRUE(queue_->advance_cursor(UserId{1}, core::CursorName::device(core::DeviceId{"phone"}), Seq{2}));
  send(UserId{1}, 4, day(1));
  storage_to(UserId{1}, Seq{8});
  auto t = trimmer({kDay, 0});
  now_ = day(2);
  t.run_once();
  EXPECT_EQ(first(UserId{1}), Seq{9}) << "the phone's cursor at 2 does not pin the queue";
  const auto m = t.metrics();
  EXPECT_EQ(m.devices, 1u);
  EXPECT_EQ(m.devices_too_old, 1u);
  EXPECT_EQ(m.device_lag.updates, 6u);
}

TEST_F(RetentionTrimmerTest, MeasuresDeviceLagInUpdatesAndTime) {
  send(UserId{1}, 4, day(0));
  send(UserId{2}, 4, day(1));
  ASSERT_TRUE(queue_->advance_cursor(UserId{1}, core::CursorName::device(core::DeviceId{"a"}), Seq{3}));
  ASSERT_TRUE(queue_->advance_cursor(UserId{2}, core::CursorName::device(core::DeviceId{"b"}), Seq{1}));
  auto t = trimmer();
  now_ = day(1.5);
  t.run_once();
  const auto m = t.metrics();
  EXPECT_EQ(m.devices, 2u);
  EXPECT_EQ(m.devices_too_old, 0u);
  EXPECT_EQ(m.device_lag.updates, 3u) << "b lacks 2..4";
  EXPECT_EQ(m.device_lag.age, std::chrono::duration_cast<std::chrono::milliseconds>(kDay * 1.5))
      << "a lacks update 4, from day 0";
}

TEST_F(RetentionTrimmerTest, RunsOnItsOwnThreadEveryInterval) {
  send(UserId{1}, 3, day(0));
  storage_to(UserId{1}, Seq{3});
  now_ = day(8);
  RetentionTrimmer t(*queue_, RetentionOptions{{}, 5ms, 100}, [this] { return now_; });
  t.start();
  for (int i = 0; i < 400 && first(UserId{1}) != Seq{4}; ++i) std::this_thread::sleep_for(5ms);
  t.stop();
  EXPECT_EQ(first(UserId{1}), Seq{4});
  EXPECT_GE(t.metrics().passes, 1u);
}

}  // namespace
}  // namespace iris::sync
