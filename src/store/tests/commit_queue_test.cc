// CommitQueue (detail/commit_queue.h): groups in flight never share a user, and one user's
// operations are handed out in submission order.
#include "store/detail/commit_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "core/testing/random_updates.h"

namespace iris::store::detail {
namespace {

using core::testing::message;

QueueOp append(std::initializer_list<std::uint64_t> users) {
  AppendRequest r;
  for (auto u : users) r.entries.push_back({UserId{u}, message(core::ThreadId{1}, UserId{u}, "x")});
  return AppendOp{std::move(r), [](Result<AppendResult>) {}};
}

CommitQueue::Limits limits(std::size_t max_group = 100) { return {10, max_group, 100}; }

TEST(CommitQueue, GivesOneGroupEveryOperationOfItsUsersInOrder) {
  CommitQueue q(limits());
  for (auto op : {append({1}), append({1, 2}), append({2})}) {
    ASSERT_EQ(q.push(op), CommitQueue::Push::queued);
  }
  auto t = q.take();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->ops.size(), 3u) << "operations of one group may share users";
  EXPECT_EQ(t->users, (std::vector<std::uint64_t>{1, 2}));
}

TEST(CommitQueue, NeverHandsOutAUserThatAGroupInFlightHolds) {
  CommitQueue q(limits(1));  // one operation per group: each take is a group of its own
  for (auto op : {append({1}), append({1, 2}), append({3}), append({2})}) q.push(op);
  auto first = q.take();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->users, (std::vector<std::uint64_t>{1}));
  auto second = q.take();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->users, (std::vector<std::uint64_t>{3}))
      << "{1,2} waits for user 1, and {2} waits behind {1,2}: user 2's order";
  auto blocked = std::async(std::launch::async, [&] { return q.take(); });
  EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout)
      << "nothing is free while user 1 is in flight";
  q.done(*first);
  auto third = blocked.get();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->users, (std::vector<std::uint64_t>{1, 2}));
  q.done(*second);
  q.done(*third);
  auto fourth = q.take();
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->users, (std::vector<std::uint64_t>{2}));
}

TEST(CommitQueue, ARetryWithTheSameKeyNeverRunsBesideItsFirstAttempt) {
  CommitQueue q(limits(1));
  const IdempotencyKey key{UserId{9}, core::ClientMsgId{1, 1}};
  for (std::uint64_t u : {1, 2}) {
    AppendRequest r;
    r.entries.push_back({UserId{u}, message(core::ThreadId{1}, UserId{9}, "x")});
    r.idempotency = key;
    QueueOp op = AppendOp{std::move(r), [](Result<AppendResult>) {}};
    q.push(op);
  }
  auto first = q.take();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->users, (std::vector<std::uint64_t>{1, 9}));
  auto blocked = std::async(std::launch::async, [&] { return q.take(); });
  EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  q.done(*first);
  auto second = blocked.get();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->users, (std::vector<std::uint64_t>{2, 9}));
}

TEST(CommitQueue, AFanoutConfirmationWaitsForNoneOfItsSenders) {
  CommitQueue q(limits(1));
  QueueOp a = append({1});
  q.push(a);
  auto first = q.take();
  ASSERT_TRUE(first);  // user 1 in flight
  QueueOp confirm = FanoutDoneOp{{{UserId{1}, Seq{1}}, {UserId{2}, Seq{4}}}, [](Result<void>) {}};
  QueueOp later = append({2});
  q.push(confirm);
  q.push(later);
  auto second = q.take();
  ASSERT_TRUE(second) << "its rows were committed before it was made: no order to keep";
  ASSERT_EQ(second->ops.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<FanoutDoneOp>(second->ops[0]));
  EXPECT_TRUE(second->users.empty()) << "and it holds nobody, however many senders it names";
  auto third = q.take();
  ASSERT_TRUE(third) << "user 2's append is not held behind the confirmation";
  EXPECT_EQ(third->users, (std::vector<std::uint64_t>{2}));
}

TEST(CommitQueue, RefusesPastMaxPendingAndAfterClose) {
  CommitQueue q({2, 10, 10});
  QueueOp a = append({1}), b = append({2}), c = append({3});
  EXPECT_EQ(q.push(a), CommitQueue::Push::queued);
  EXPECT_EQ(q.push(b), CommitQueue::Push::queued);
  EXPECT_EQ(q.push(c), CommitQueue::Push::full);
  q.close();
  QueueOp d = append({4});
  EXPECT_EQ(q.push(d), CommitQueue::Push::closed);
  auto drained = q.take();
  ASSERT_TRUE(drained) << "what waited before the close is still handed out";
  EXPECT_EQ(drained->ops.size(), 2u);
  q.done(*drained);
  EXPECT_FALSE(q.take());
}

}  // namespace
}  // namespace iris::store::detail
