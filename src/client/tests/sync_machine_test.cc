#include "client/sync_machine.h"

#include <gtest/gtest.h>

namespace iris::client {
namespace {

using core::Epoch;
using core::Seq;

constexpr Epoch kEpoch{5};

wire::Message batch(std::uint64_t first, std::uint64_t last, Epoch epoch = kEpoch) {
  std::vector<core::Update> us;
  for (auto s = first; s <= last; ++s)
    us.push_back(core::Update{Seq{s}, {}, core::ThreadId{1}, core::UserId{1},
                              core::ThreadRenamed{"x"}});
  return wire::DeltaBatch{epoch, Seq{first}, Seq{last}, std::move(us), false};
}

Position at(std::uint64_t seq) { return Position{kEpoch, Seq{seq}}; }

template <typename D>
bool is(const Decision& d) {
  return std::holds_alternative<D>(d);
}

TEST(SyncMachine, AppliesABatchThatStartsRightAfterItsSeq) {
  SyncMachine m;
  EXPECT_TRUE(is<decision::Apply>(m.on_delta(batch(11, 14), at(10))));
}

TEST(SyncMachine, AGapResumesFromWhatItHas) {
  SyncMachine m;
  auto d = m.on_delta(batch(12, 14), at(10));
  ASSERT_TRUE(is<decision::Reconnect>(d));
  EXPECT_NE(std::get<decision::Reconnect>(d).why.find("gap"), std::string::npos);
}

TEST(SyncMachine, AnOverlappingBatchIsAGapToo) {
  SyncMachine m;  // 9..12 over a store at 10: cannot apply half of it
  EXPECT_TRUE(is<decision::Reconnect>(m.on_delta(batch(9, 12), at(10))));
}

TEST(SyncMachine, ABatchItAlreadyHasIsIgnored) {
  SyncMachine m;
  EXPECT_TRUE(is<decision::Ignore>(m.on_delta(batch(5, 10), at(10))));
}

TEST(SyncMachine, ABatchOfAnotherEpochResumes) {
  SyncMachine m;
  EXPECT_TRUE(is<decision::Reconnect>(m.on_delta(batch(11, 11, Epoch{6}), at(10))));
}

TEST(SyncMachine, AnEmptyDeviceTakesTheFirstBatchOfAnyEpoch) {
  SyncMachine m;
  EXPECT_TRUE(is<decision::Apply>(m.on_delta(batch(1, 3, Epoch{77}), Position{})));
}

TEST(SyncMachine, AnAppliedBatchPastTheLastHeartbeatRaisesTheKnownHead) {
  SyncMachine m;
  ASSERT_TRUE(is<decision::UpToDate>(m.on_delta(wire::Heartbeat{kEpoch, Seq{10}}, at(10))));
  // A device holding the head gets no more heartbeats; its deltas tell where the head is.
  ASSERT_TRUE(is<decision::Apply>(m.on_delta(batch(11, 14), at(10))));
  EXPECT_EQ(m.known_head(), Seq{14});
  EXPECT_TRUE(m.up_to_date(at(14)));
}

TEST(SyncMachine, EveryFullResyncTakesASnapshot) {
  for (auto reason : {wire::ResyncReason::too_old, wire::ResyncReason::epoch_changed,
                      wire::ResyncReason::backlog_too_large}) {
    SyncMachine m;
    auto d = m.on_delta(wire::Resync{reason, Epoch{8}, Seq{40}, {}, {}}, at(10));
    ASSERT_TRUE(is<decision::Snapshot>(d));
    EXPECT_EQ(std::get<decision::Snapshot>(d).resync.epoch, Epoch{8});
    EXPECT_EQ(m.known_head(), Seq{40});
  }
}

TEST(SyncMachine, AThreadScopedResyncRefetchesOnlyThatThread) {
  SyncMachine m;
  auto d = m.on_delta(wire::Resync{wire::ResyncReason::backlog_too_large, kEpoch, Seq{40}, {},
                                   core::ThreadId{3}},
                      at(10));
  ASSERT_TRUE(is<decision::RefetchThread>(d));
  EXPECT_EQ(std::get<decision::RefetchThread>(d).thread, core::ThreadId{3});
}

TEST(SyncMachine, ATemporaryResyncResumesAfterItsRetryAfter) {
  SyncMachine m;
  auto d = m.on_delta(wire::Resync{wire::ResyncReason::temporary, kEpoch, Seq{40},
                                   std::chrono::milliseconds{1234}, {}},
                      at(10));
  ASSERT_TRUE(is<decision::ResumeLater>(d));
  EXPECT_EQ(std::get<decision::ResumeLater>(d).delay, std::chrono::milliseconds{1234});
}

TEST(SyncMachine, AHeartbeatAtItsSeqMeansUpToDate) {
  SyncMachine m;
  EXPECT_FALSE(m.up_to_date(at(10)));
  EXPECT_TRUE(is<decision::UpToDate>(m.on_delta(wire::Heartbeat{kEpoch, Seq{10}}, at(10))));
  EXPECT_TRUE(m.up_to_date(at(10)));
  EXPECT_FALSE(m.up_to_date(at(9)));
}

TEST(SyncMachine, TwoHeartbeatsBehindWithNoDeltaBetweenMeanAStalledStream) {
  SyncMachine m;
  EXPECT_TRUE(is<decision::Ignore>(m.on_delta(wire::Heartbeat{kEpoch, Seq{12}}, at(10))));
  EXPECT_TRUE(is<decision::Reconnect>(m.on_delta(wire::Heartbeat{kEpoch, Seq{12}}, at(10))));
}

TEST(SyncMachine, ADeltaBetweenHeartbeatsMeansTheStreamMoves) {
  SyncMachine m;
  EXPECT_TRUE(is<decision::Ignore>(m.on_delta(wire::Heartbeat{kEpoch, Seq{12}}, at(10))));
  EXPECT_TRUE(is<decision::Apply>(m.on_delta(batch(11, 11), at(10))));
  EXPECT_TRUE(is<decision::Ignore>(m.on_delta(wire::Heartbeat{kEpoch, Seq{13}}, at(11))));
}

TEST(SyncMachine, AHeartbeatOfAnotherEpochResumes) {
  SyncMachine m;
  EXPECT_TRUE(is<decision::Reconnect>(m.on_delta(wire::Heartbeat{Epoch{9}, Seq{1}}, at(10))));
}

TEST(SyncMachine, ANewConnectionForgetsTheOldHead) {
  SyncMachine m;
  m.on_delta(wire::Heartbeat{kEpoch, Seq{10}}, at(10));
  m.on_connected();
  EXPECT_FALSE(m.known_head().has_value());
  EXPECT_FALSE(m.up_to_date(at(10)));
}

TEST(SyncMachine, OnlyTransientRefusalsAreRetried) {
  using wire::ErrorCode;
  EXPECT_TRUE(is_retryable(ErrorCode::unavailable));
  EXPECT_TRUE(is_retryable(ErrorCode::rate_limited));
  EXPECT_TRUE(is_retryable(ErrorCode::internal));
  EXPECT_FALSE(is_retryable(ErrorCode::not_participant));
  EXPECT_FALSE(is_retryable(ErrorCode::queue_full)) << "full until that queue is trimmed";
  EXPECT_FALSE(is_retryable(ErrorCode::forbidden));
  EXPECT_FALSE(is_retryable(ErrorCode::too_large));
  EXPECT_FALSE(is_retryable(ErrorCode::bad_encoding));
  EXPECT_FALSE(is_retryable(ErrorCode::unknown_thread));
  EXPECT_FALSE(is_retryable(ErrorCode::invalid_request));
}

}  // namespace
}  // namespace iris::client
