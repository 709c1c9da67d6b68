#include "sync/resume_planner.h"

#include <gtest/gtest.h>

namespace iris::sync {
namespace {

using core::Epoch;
using core::Seq;

const store::QueueInfo kQueue{Epoch{77}, Seq{101}, Seq{500}};  // retains 101..500

wire::ResumeRequest at(std::uint64_t epoch, std::uint64_t last, std::uint32_t max = 0) {
  return {Epoch{epoch}, Seq{last}, max};
}

wire::ResyncReason reason(const ResumeDecision& d) { return std::get<wire::Resync>(d).reason; }

TEST(Resume, StreamsEverythingAfterLastSeq) {
  EXPECT_EQ(std::get<StreamPlan>(plan_resume(at(77, 450), kQueue)), (StreamPlan{Seq{451}, Seq{500}}));
  EXPECT_EQ(std::get<StreamPlan>(plan_resume(at(77, 100), kQueue)), (StreamPlan{Seq{101}, Seq{500}}))
      << "the device has everything before the first retained seq";
}

TEST(Resume, UpToDateDeviceGetsAnEmptyStream) {
  const auto plan = std::get<StreamPlan>(plan_resume(at(77, 500), kQueue));
  EXPECT_GT(plan.from, plan.to);
}

TEST(Resume, AnswersResyncWhenEpochDiffers) {
  EXPECT_EQ(reason(plan_resume(at(76, 450), kQueue)), wire::ResyncReason::epoch_changed);
  const auto r = std::get<wire::Resync>(plan_resume(at(76, 450), kQueue));
  EXPECT_EQ(r.epoch, Epoch{77}) << "the resync tells the current epoch and head";
  EXPECT_EQ(r.head, Seq{500});
}

TEST(Resume, AnswersEpochChangedWhenDeviceIsAheadOfHead) {
  EXPECT_EQ(reason(plan_resume(at(77, 501), kQueue)), wire::ResyncReason::epoch_changed);
}

TEST(Resume, AnswersTooOldWhenUpdatesAfterItWereTrimmed) {
  EXPECT_EQ(reason(plan_resume(at(77, 99), kQueue)), wire::ResyncReason::too_old);
  EXPECT_EQ(reason(plan_resume(at(77, 0), kQueue)), wire::ResyncReason::too_old);
}

TEST(Resume, AnswersBacklogTooLargeOverTheDevicesCapacity) {
  EXPECT_EQ(reason(plan_resume(at(77, 300, 199), kQueue)), wire::ResyncReason::backlog_too_large);
  EXPECT_TRUE(std::holds_alternative<StreamPlan>(plan_resume(at(77, 300, 200), kQueue)));
  EXPECT_TRUE(std::holds_alternative<StreamPlan>(plan_resume(at(77, 300, 0), kQueue))) << "0 = no limit";
}

TEST(Resume, NewDeviceOfANewUserIsUpToDate) {
  const auto plan = plan_resume(at(0, 0), store::QueueInfo{});
  ASSERT_TRUE(std::holds_alternative<StreamPlan>(plan));
}

// --- thread-scoped resync ---

std::vector<core::Update> backlog(std::initializer_list<std::pair<std::uint64_t, int>> runs) {
  std::vector<core::Update> out;
  std::uint64_t seq = 0;
  for (auto [thread, n] : runs) {
    for (int i = 0; i < n; ++i) {
      core::Update u;
      u.seq = Seq{++seq};
      u.thread = core::ThreadId{thread};
      u.body = core::MessageCreated{core::MessageId{seq}, {}, "m", std::nullopt};
      out.push_back(std::move(u));
    }
  }
  return out;
}

TEST(ThreadResync, ScopesToTheOneThreadWhoseUpdatesMakeTheBacklogTooLarge) {
  // 40 updates of thread 7 and 5 of thread 8, in a device that takes 10.
  EXPECT_EQ(thread_to_resync(backlog({{8, 2}, {7, 40}, {8, 3}}), 10), core::ThreadId{7});
}

TEST(ThreadResync, FullResyncWhenTheRestStillDoesNotFit) {
  // Without thread 7, 11 remain: over 10.
  EXPECT_EQ(thread_to_resync(backlog({{7, 40}, {8, 6}, {9, 5}}), 10), std::nullopt);
}

TEST(ThreadResync, NothingToScopeWhenTheBacklogFitsOrThereIsNoLimit) {
  EXPECT_EQ(thread_to_resync(backlog({{7, 10}}), 10), std::nullopt);
  EXPECT_EQ(thread_to_resync(backlog({{7, 40}}), 0), std::nullopt) << "0 means no limit";
  EXPECT_EQ(thread_to_resync({}, 3), std::nullopt);
}

TEST(ThreadResync, PicksTheBusiestThreadAndBreaksTiesBySmallerId) {
  EXPECT_EQ(thread_to_resync(backlog({{9, 6}, {3, 6}}), 6), core::ThreadId{3});
  EXPECT_EQ(thread_to_resync(backlog({{9, 7}, {3, 6}}), 6), core::ThreadId{9});
}

TEST(ThreadResync, WithoutThreadKeepsTheOtherUpdatesInOrder) {
  const auto rest = without_thread(backlog({{8, 2}, {7, 3}, {8, 1}}), core::ThreadId{7});
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].seq, Seq{1});
  EXPECT_EQ(rest[1].seq, Seq{2});
  EXPECT_EQ(rest[2].seq, Seq{6});
}

}  // namespace
}  // namespace iris::sync
