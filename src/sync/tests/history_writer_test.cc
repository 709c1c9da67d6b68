#include "sync/history_writer.h"

#include <gtest/gtest.h>

#include <thread>

#include "core/testing/random_updates.h"
#include "store/errc.h"
#include "store/memory/memory_history_store.h"
#include "store/memory/memory_queue_store.h"
#include "sync/history_check.h"

namespace iris::sync {
namespace {

using core::Seq;
using core::UserId;
using namespace std::chrono_literals;

core::Timestamp at(std::chrono::milliseconds ms) { return core::Timestamp{ms}; }

class HistoryWriterTest : public ::testing::Test {
 protected:
  // Appends `n` messages to `user`'s queue at time `time`.
  void send(UserId user, int n, core::Timestamp time = at(1000ms)) {
    for (int i = 0; i < n; ++i) {
      store::AppendRequest r;
      r.entries.push_back({user, core::testing::message(core::ThreadId{1}, user, "m" + std::to_string(i), time)});
      ASSERT_TRUE(queue_->append(std::move(r)));
    }
  }
  Seq storage(UserId user) { return queue_->cursor(user, core::CursorName::storage()).value().value_or(Seq{0}); }
  void drain(HistoryWriter& w) {
    for (int i = 0; i < 1000 && !w.idle(); ++i) ASSERT_TRUE(w.run_once());
    ASSERT_TRUE(w.idle());
  }
  void expect_converged(UserId user) {
    auto c = check_history(*queue_, *history_, user);
    ASSERT_TRUE(c) << c.error().message();
    EXPECT_TRUE(c->converged()) << "user " << user.value() << ": history at " << c->history_seq.value()
                                << ", queue at " << c->queue_head.value();
    EXPECT_EQ(c->compared, c->queue_head.value());
  }

  std::unique_ptr<store::QueueStore> queue_ = store::make_memory_queue_store();
  std::unique_ptr<store::HistoryStore> history_ = store::make_memory_history_store();
  core::Timestamp now_ = at(1000ms);
  HistoryWriter::Clock clock_ = [this] { return now_; };
};

TEST_F(HistoryWriterTest, AppliesEveryTrackedQueueAndThenMovesTheStorageCursor) {
  send(UserId{1}, 5);
  send(UserId{2}, 3);
  send(UserId{0}, 1);
  HistoryWriter w(*queue_, *history_, {}, clock_);
  ASSERT_TRUE(w.track_all_queues());
  drain(w);
  for (std::uint64_t u : {0, 1, 2}) {
    expect_converged(UserId{u});
    EXPECT_EQ(storage(UserId{u}), queue_->info(UserId{u})->head);
  }
  EXPECT_EQ(w.metrics().applied, 9u);
  EXPECT_EQ(w.metrics().batches, 1u) << "three users, one transaction";
  EXPECT_EQ(w.metrics().write_latency.count(), 1u);
}

TEST_F(HistoryWriterTest, SplitsBatchesAtTheLimitsAndTakesUsersInTurn) {
  send(UserId{1}, 10);
  send(UserId{2}, 10);
  HistoryWriter w(*queue_, *history_, {.batch_updates = 6, .per_user = 4}, clock_);
  w.notify(UserId{1});
  w.notify(UserId{2});
  auto first = w.run_once();
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 6u);
  EXPECT_EQ(storage(UserId{1}), Seq{4}) << "per_user caps the first user";
  EXPECT_EQ(storage(UserId{2}), Seq{2}) << "the rest of the batch goes to the next";
  drain(w);
  expect_converged(UserId{1});
  expect_converged(UserId{2});
}

TEST_F(HistoryWriterTest, OutageKeepsTheCursorStillAndConvergesAfterRecovery) {
  send(UserId{1}, 4);
  HistoryWriter w(*queue_, *history_, {}, clock_);
  w.notify(UserId{1});
  drain(w);
  ASSERT_EQ(storage(UserId{1}), Seq{4});

  history_->set_unavailable(true);
  send(UserId{1}, 6, at(2000ms));
  w.notify(UserId{1});
  now_ = at(5000ms);
  for (int i = 0; i < 3; ++i) {
    auto r = w.run_once();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), store::errc::unavailable);
  }
  EXPECT_EQ(storage(UserId{1}), Seq{4}) << "nothing moves while history is down";
  EXPECT_FALSE(w.idle()) << "the user stays dirty";
  auto m = w.metrics();
  EXPECT_EQ(m.failures, 3u);
  EXPECT_EQ(m.users_behind, 1u);
  EXPECT_EQ(m.storage_lag.updates, 6u);
  EXPECT_EQ(m.storage_lag.age, 3000ms) << "the oldest unapplied update is from t=2s";

  history_->set_unavailable(false);
  drain(w);
  expect_converged(UserId{1});
  EXPECT_EQ(storage(UserId{1}), Seq{10});
  EXPECT_EQ(w.metrics().storage_lag, CursorLag{});
  EXPECT_EQ(w.metrics().users_behind, 0u);
}

TEST_F(HistoryWriterTest, OutageFromTheStartStillReportsTheStorageLag) {
  send(UserId{1}, 3, at(1000ms));
  history_->set_unavailable(true);  // the writer cannot even ask history where it is
  HistoryWriter w(*queue_, *history_, {}, clock_);
  w.notify(UserId{1});
  now_ = at(4000ms);
  ASSERT_FALSE(w.run_once());
  const auto m = w.metrics();
  EXPECT_EQ(m.users_behind, 1u);
  EXPECT_EQ(m.storage_lag, (CursorLag{3, 3000ms}));
}

TEST_F(HistoryWriterTest, FlushGivesUpAtTheFirstFailureInsteadOfWaitingOutItsBudget) {
  send(UserId{1}, 2);
  HistoryWriter w(*queue_, *history_, {}, clock_);
  w.notify(UserId{1});
  history_->set_unavailable(true);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(w.flush(std::chrono::hours(1)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  history_->set_unavailable(false);
  EXPECT_TRUE(w.flush(std::chrono::seconds(10)));
  expect_converged(UserId{1});
}

TEST_F(HistoryWriterTest, RunsOnItsOwnThreadAndBacksOffDuringAnOutage) {
  HistoryWriter w(*queue_, *history_, {.user_delay = 0ms, .min_backoff = 1ms, .max_backoff = 20ms}, clock_);
  w.start();
  history_->set_unavailable(true);
  send(UserId{7}, 3);
  w.notify(UserId{7});
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(storage(UserId{7}), Seq{0});
  const auto failures = w.metrics().failures;
  EXPECT_GE(failures, 1u);
  EXPECT_LE(failures, 30u) << "backoff: not a busy loop";
  history_->set_unavailable(false);
  for (int i = 0; i < 200 && storage(UserId{7}) != Seq{3}; ++i) std::this_thread::sleep_for(5ms);
  w.stop();
  EXPECT_EQ(storage(UserId{7}), Seq{3});
  expect_converged(UserId{7});
}

TEST_F(HistoryWriterTest, NewUpdatesWaitTheUserDelayAndMoreNotifiesDoNotPostponeThem) {
  HistoryWriter w(*queue_, *history_, {.user_delay = 2000ms}, clock_);
  send(UserId{1}, 3);
  w.notify(UserId{1});
  ASSERT_EQ(w.run_ready().value(), 0u) << "the delay has just begun";
  EXPECT_FALSE(w.idle());
  now_ += 1500ms;
  send(UserId{1}, 2);
  w.notify(UserId{1});  // already waiting: keeps its turn
  ASSERT_EQ(w.run_ready().value(), 0u);
  EXPECT_EQ(storage(UserId{1}), Seq{0});
  now_ += 500ms;
  ASSERT_EQ(w.run_ready().value(), 5u) << "2 s after the first notify: everything so far";
  EXPECT_EQ(w.metrics().batches, 1u);
  EXPECT_EQ(storage(UserId{1}), Seq{5});
  EXPECT_TRUE(w.idle());
  expect_converged(UserId{1});
}

TEST_F(HistoryWriterTest, AWallClockStepBackDoesNotStretchTheDelay) {
  HistoryWriter w(*queue_, *history_, {.user_delay = 2000ms}, clock_);
  send(UserId{1}, 2);
  w.notify(UserId{1});
  now_ -= 1h;  // NTP stepped the clock back after the notify
  ASSERT_EQ(w.run_ready().value(), 2u) << "not an hour and two seconds from now";
  expect_converged(UserId{1});
}

TEST_F(HistoryWriterTest, RunOnceAndQueuesFoundAtStartupDoNotWaitTheDelay) {
  HistoryWriter w(*queue_, *history_, {.user_delay = 2000ms}, clock_);
  send(UserId{1}, 2);
  ASSERT_TRUE(w.track_all_queues());
  ASSERT_EQ(w.run_ready().value(), 2u) << "what arrived while the writer was stopped";
  send(UserId{1}, 1);
  w.notify(UserId{1});
  ASSERT_EQ(w.run_once().value(), 1u) << "run_once (tests, flush) takes every dirty user";
  expect_converged(UserId{1});
}

TEST_F(HistoryWriterTest, ItsThreadTakesAUserOnceTheDelayIsOver) {
  HistoryWriter w(*queue_, *history_, {.user_delay = 30ms, .min_interval = 0ms});  // real clock
  w.start();
  send(UserId{3}, 4);
  w.notify(UserId{3});
  for (int i = 0; i < 1000 && storage(UserId{3}) != Seq{4}; ++i) std::this_thread::sleep_for(5ms);
  w.stop();
  EXPECT_EQ(storage(UserId{3}), Seq{4});
  expect_converged(UserId{3});
}

TEST_F(HistoryWriterTest, ReplayAfterACrashBeforeTheCursorWriteDuplicatesNothing) {
  send(UserId{1}, 5);
  // History committed 1..3 but the process died before the storage cursor moved.
  auto first = queue_->read(UserId{1}, Seq{1}, 3).value();
  ASSERT_TRUE(history_->apply(std::vector<store::HistoryBatch>{
      {UserId{1}, queue_->info(UserId{1})->epoch, first}}));
  HistoryWriter w(*queue_, *history_, {}, clock_);
  ASSERT_TRUE(w.track_all_queues());
  auto r = w.run_once();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 2u) << "starts after what history holds";
  expect_converged(UserId{1});
  EXPECT_EQ(storage(UserId{1}), Seq{5});
}

TEST_F(HistoryWriterTest, NewHistoryDatabaseStartsAtTheFirstRetainedUpdate) {
  send(UserId{1}, 5);
  ASSERT_TRUE(queue_->advance_cursor(UserId{1}, core::CursorName::storage(), Seq{3}));
  ASSERT_TRUE(queue_->trim_to(UserId{1}, Seq{3}));
  HistoryWriter w(*queue_, *history_, {}, clock_);
  w.notify(UserId{1});
  drain(w);
  auto c = check_history(*queue_, *history_, UserId{1}).value();
  EXPECT_TRUE(c.converged());
  EXPECT_EQ(c.compared, 2u) << "4 and 5: all the queue still has";
  EXPECT_EQ(history_->updates(UserId{1}, Seq{1}, 10)->front().seq, Seq{4});
}

TEST(HistoryCheck, FindsTheFirstUpdateThatDiffers) {
  auto queue = store::make_memory_queue_store();
  auto history = store::make_memory_history_store();
  for (int i = 0; i < 3; ++i) {
    store::AppendRequest r;
    r.entries.push_back({UserId{1}, core::testing::message(core::ThreadId{1}, UserId{1}, "q")});
    ASSERT_TRUE(queue->append(std::move(r)));
  }
  auto updates = queue->read(UserId{1}, Seq{1}, 3).value();
  std::get<core::MessageCreated>(updates[1].body).text = "tampered";
  ASSERT_TRUE(history->apply(std::vector<store::HistoryBatch>{{UserId{1}, queue->info(UserId{1})->epoch, updates}}));
  auto c = check_history(*queue, *history, UserId{1}).value();
  EXPECT_FALSE(c.converged());
  EXPECT_EQ(c.first_difference, Seq{2});

  auto lagging = store::make_memory_history_store();
  ASSERT_TRUE(lagging->apply(std::vector<store::HistoryBatch>{
      {UserId{1}, queue->info(UserId{1})->epoch, {queue->read(UserId{1}, Seq{1}, 1).value()}}}));
  auto l = check_history(*queue, *lagging, UserId{1}).value();
  EXPECT_FALSE(l.converged()) << "history behind the queue is not converged";
  EXPECT_EQ(l.first_difference, Seq{2});
}

TEST(HistoryCheck, AnUnsentMessageWhoseContentHistoryStrippedIsTheSameUpdate) {
  auto queue = store::make_memory_queue_store();
  auto history = store::make_memory_history_store();
  const core::ThreadId thread{1};
  store::AppendRequest r;
  r.entries.push_back({UserId{1}, core::testing::message(thread, UserId{1}, "secret")});
  ASSERT_TRUE(queue->append(std::move(r)));
  const auto created = queue->read(UserId{1}, Seq{1}, 1).value().at(0);
  const auto id = std::get<core::MessageCreated>(created.body).message;
  store::AppendRequest edit, unsend;
  edit.entries.push_back({UserId{1}, core::Update{Seq{0}, created.time, thread, UserId{1},
                                                  core::MessageEdited{id, "secret!", 1}}});
  unsend.entries.push_back({UserId{1}, core::Update{Seq{0}, created.time, thread, UserId{1},
                                                    core::MessageDeleted{id}}});
  ASSERT_TRUE(queue->append(std::move(edit)));
  ASSERT_TRUE(queue->append(std::move(unsend)));
  ASSERT_TRUE(history->apply(std::vector<store::HistoryBatch>{
      {UserId{1}, queue->info(UserId{1})->epoch, queue->read(UserId{1}, Seq{1}, 3).value()}}));
  EXPECT_EQ(std::get<core::MessageCreated>(history->updates(UserId{1}, Seq{1}, 1)->at(0).body).text, "")
      << "history keeps no unsent text while the queue still retains it";
  auto c = check_history(*queue, *history, UserId{1}).value();
  EXPECT_TRUE(c.converged());
  EXPECT_EQ(c.compared, 3u);
}

TEST(CursorLag, CountsUpdatesAndAgeOfTheOldestUnconsumed) {
  EXPECT_EQ(cursor_lag(Seq{10}, Seq{4}, at(1000ms), at(4000ms)), (CursorLag{6, 3000ms}));
  EXPECT_EQ(cursor_lag(Seq{10}, Seq{10}, at(1000ms), at(4000ms)), CursorLag{});
  EXPECT_EQ(cursor_lag(Seq{10}, Seq{4}, at(5000ms), at(4000ms)), (CursorLag{6, 0ms}))
      << "a clock that stepped back is no lag in time";
  EXPECT_EQ(worst(CursorLag{6, 1ms}, CursorLag{2, 9ms}), (CursorLag{6, 9ms}));
}

TEST(LatencyHistogram, QuantilesAreBucketUpperBoundsCappedByTheMax) {
  LatencyHistogram h;
  EXPECT_EQ(h.quantile(0.99), 0us);
  for (int i = 0; i < 99; ++i) h.add(100us);
  h.add(5000us);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.quantile(0.5), 127us);
  EXPECT_EQ(h.quantile(1.0), 5000us);
  EXPECT_EQ(h.max(), 5000us);
}

}  // namespace
}  // namespace iris::sync
