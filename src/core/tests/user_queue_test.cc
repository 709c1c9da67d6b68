#include "core/user_queue.h"

#include <gtest/gtest.h>

#include "core/errc.h"
#include "core/testing/random_updates.h"

namespace iris::core {
namespace {

using std::chrono::hours;
using testing::message;

const auto kStorage = CursorName::storage();
const auto kPhone = CursorName::device(DeviceId{"phone"});

Timestamp at_hour(int h) { return Timestamp{hours(h)}; }

TEST(UserQueue, AssignsGaplessSeqsFromOne) {
  UserQueue q(UserId{1}, Epoch{42});
  for (std::uint64_t i = 1; i <= 5; ++i) {
    EXPECT_EQ(q.append(message(ThreadId{1}, UserId{1}, "m")), Seq{i});
  }
  EXPECT_EQ(q.head(), Seq{5});
  EXPECT_EQ(q.first_retained(), Seq{1});
  auto all = q.read(Seq{1}, 100);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ((*all)[i].seq, Seq{i + 1});
}

TEST(UserQueue, EmptyQueueHasHeadZeroAndFirstRetainedOne) {
  UserQueue q(UserId{1}, Epoch{42});
  EXPECT_EQ(q.head(), Seq{0});
  EXPECT_EQ(q.first_retained(), Seq{1});
  EXPECT_TRUE(q.read(Seq{1}, 10)->empty());
}

TEST(UserQueue, RefusesAppendAtMaxLength) {
  UserQueue q(UserId{1}, Epoch{1}, QueueLimits{.max_length = 2});
  ASSERT_TRUE(q.append(message(ThreadId{1}, UserId{1}, "a")));
  ASSERT_TRUE(q.append(message(ThreadId{1}, UserId{1}, "b")));
  auto r = q.append(message(ThreadId{1}, UserId{1}, "c"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::queue_full);
  EXPECT_EQ(q.head(), Seq{2}) << "a refused append changes nothing";
}

TEST(UserQueue, ReadBeforeFirstRetainedSaysTrimmed) {
  UserQueue q(UserId{1}, Epoch{1});
  for (int i = 0; i < 5; ++i) q.append(message(ThreadId{1}, UserId{1}, "m"));
  ASSERT_TRUE(q.advance_cursor(kStorage, Seq{3}));
  ASSERT_EQ(q.trim_to(Seq{3}), 3u);
  EXPECT_EQ(q.read(Seq{3}, 1).error(), errc::trimmed);
  auto rest = q.read(Seq{4}, 10);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ(rest->front().seq, Seq{4});
}

TEST(UserQueue, TrimRefusesToPassTheStorageCursor) {
  UserQueue q(UserId{1}, Epoch{1});
  for (int i = 0; i < 5; ++i) q.append(message(ThreadId{1}, UserId{1}, "m"));
  EXPECT_EQ(q.trim_to(Seq{1}).error(), errc::trim_past_storage_cursor);
  ASSERT_TRUE(q.advance_cursor(kStorage, Seq{2}));
  EXPECT_EQ(q.trim_to(Seq{3}).error(), errc::trim_past_storage_cursor);
  EXPECT_EQ(q.first_retained(), Seq{1});
}

TEST(UserQueue, RetentionTrimsOldUpdatesBehindStorageOnly) {
  UserQueue q(UserId{1}, Epoch{1});
  for (int h : {0, 1, 2, 100}) q.append(message(ThreadId{1}, UserId{1}, "m", at_hour(h)));
  const RetentionPolicy day{hours(24)};
  EXPECT_EQ(q.trim(at_hour(200), day), 0u) << "storage cursor never moved";
  ASSERT_TRUE(q.advance_cursor(kStorage, Seq{2}));
  EXPECT_EQ(q.trim(at_hour(200), day), 2u);
  EXPECT_EQ(q.first_retained(), Seq{3});
  ASSERT_TRUE(q.advance_cursor(kStorage, Seq{4}));
  EXPECT_EQ(q.trim(at_hour(110), day), 1u) << "the update at hour 100 is still young";
  EXPECT_EQ(q.first_retained(), Seq{4});
}

TEST(UserQueue, OfflineDeviceDoesNotHoldBackTrimmingAndMustResync) {
  UserQueue q(UserId{1}, Epoch{1});
  for (int i = 0; i < 10; ++i) q.append(message(ThreadId{1}, UserId{1}, "m", at_hour(0)));
  ASSERT_TRUE(q.advance_cursor(kPhone, Seq{2}));
  ASSERT_TRUE(q.advance_cursor(kStorage, Seq{10}));
  EXPECT_FALSE(q.must_resync(DeviceId{"phone"}));
  EXPECT_EQ(q.trim(at_hour(24 * 8), RetentionPolicy{}), 10u);
  EXPECT_TRUE(q.must_resync(DeviceId{"phone"}));
  EXPECT_TRUE(q.must_resync(DeviceId{"never-seen"}));
}

TEST(UserQueue, DeviceCaughtUpToTheTrimPointDoesNotResync) {
  UserQueue q(UserId{1}, Epoch{1});
  for (int i = 0; i < 4; ++i) q.append(message(ThreadId{1}, UserId{1}, "m"));
  ASSERT_TRUE(q.advance_cursor(kPhone, Seq{2}));
  ASSERT_TRUE(q.advance_cursor(kStorage, Seq{2}));
  ASSERT_TRUE(q.trim_to(Seq{2}));
  EXPECT_FALSE(q.must_resync(DeviceId{"phone"}));
}

}  // namespace
}  // namespace iris::core
