#pragma once
// One type-parameterized suite that every QueueStore backend passes: the contract in
// queue_store.h. A backend's test file defines a Backend type with
// `std::unique_ptr<QueueStore> open(StoreOptions)` (a fresh, empty store each time it is
// called for a new test) and instantiates the suite with INSTANTIATE_TYPED_TEST_SUITE_P.
#include <gtest/gtest.h>

#include <future>

#include <memory>
#include <set>
#include <thread>

#include "core/errc.h"
#include "core/testing/random_updates.h"
#include "store/errc.h"
#include "store/queue_store.h"
#include "store/store_options.h"

namespace iris::store::testing {

using core::testing::message;
using namespace std::chrono_literals;

template <typename Backend>
class QueueStoreConformance : public ::testing::Test {
 protected:
  QueueStore& open(StoreOptions o = {}) {
    store_ = backend_.open(o);
    return *store_;
  }
  Backend backend_;
  std::unique_ptr<QueueStore> store_;
};

TYPED_TEST_SUITE_P(QueueStoreConformance);

inline AppendRequest one(UserId user, std::string text, core::Timestamp t = {}) {
  AppendRequest r;
  r.entries.push_back({user, message(core::ThreadId{1}, user, std::move(text), t)});
  return r;
}

TYPED_TEST_P(QueueStoreConformance, MissingQueueHasNoEpochAndIsEmpty) {
  auto& s = this->open();
  auto info = s.info(UserId{5});
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->exists());
  EXPECT_EQ(info->head, Seq{0});
  EXPECT_TRUE(s.read(UserId{5}, Seq{1}, 10)->empty());
}

TYPED_TEST_P(QueueStoreConformance, AssignsGaplessSeqsPerUserWithAStableEpoch) {
  auto& s = this->open();
  for (std::uint64_t i = 1; i <= 5; ++i) {
    auto a = s.append(one(UserId{1}, "a" + std::to_string(i)));
    ASSERT_TRUE(a) << a.error().message();
    EXPECT_EQ(a->positions, (std::vector<QueuePosition>{{UserId{1}, Seq{i}}}));
  }
  auto b = s.append(one(UserId{2}, "b"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->positions.front().seq, Seq{1}) << "each user has its own sequence";
  const auto info = s.info(UserId{1}).value();
  EXPECT_TRUE(info.exists());
  EXPECT_EQ(info.head, Seq{5});
  EXPECT_EQ(s.info(UserId{1}).value().epoch, info.epoch);
  EXPECT_NE(s.info(UserId{2}).value().epoch, info.epoch);
  auto all = s.read(UserId{1}, Seq{1}, 100).value();
  ASSERT_EQ(all.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(all[i].seq, Seq{i + 1});
    EXPECT_EQ(std::get<core::MessageCreated>(all[i].body).text, "a" + std::to_string(i + 1));
  }
  EXPECT_EQ(s.read(UserId{1}, Seq{4}, 1).value().size(), 1u);
}

TYPED_TEST_P(QueueStoreConformance, AppendsToSeveralQueuesInOneRequest) {
  auto& s = this->open();
  ASSERT_TRUE(s.append(one(UserId{2}, "first")));
  AppendRequest r;
  for (auto u : {1, 2, 3, 2}) r.entries.push_back({UserId{static_cast<std::uint64_t>(u)}, message(core::ThreadId{9}, UserId{1}, "x")});
  auto res = s.append(std::move(r));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->positions, (std::vector<QueuePosition>{{UserId{1}, Seq{1}},
                                                        {UserId{2}, Seq{2}},
                                                        {UserId{3}, Seq{1}},
                                                        {UserId{2}, Seq{3}}}));
}

TYPED_TEST_P(QueueStoreConformance, RetriedSendWithTheSameKeyAppendsNothing) {
  auto& s = this->open();
  AppendRequest r = one(UserId{1}, "hello", core::Timestamp{5ms});
  r.entries.push_back({UserId{2}, message(core::ThreadId{1}, UserId{1}, "hello")});
  r.idempotency = core::IdempotencyKey{UserId{1}, core::ClientMsgId{0xAB, 0xCD}};
  AppendRequest retry = r;
  auto first = s.append(std::move(r));
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->duplicate);
  auto again = s.append(std::move(retry));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->positions, first->positions);
  EXPECT_EQ(s.info(UserId{1}).value().head, Seq{1});
  EXPECT_EQ(s.info(UserId{2}).value().head, Seq{1});
  auto rec = s.find(core::IdempotencyKey{UserId{1}, core::ClientMsgId{0xAB, 0xCD}});
  ASSERT_TRUE(rec && *rec);
  EXPECT_EQ((*rec)->positions, first->positions);
  EXPECT_EQ((*rec)->time, core::Timestamp{5ms});
  EXPECT_FALSE(s.find(core::IdempotencyKey{UserId{2}, core::ClientMsgId{0xAB, 0xCD}}).value());
}

TYPED_TEST_P(QueueStoreConformance, RefusesAppendPastMaxLengthWholly) {
  auto& s = this->open(StoreOptions{.max_queue_length = 3});
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(s.append(one(UserId{1}, "x")));
  AppendRequest r;
  r.entries.push_back({UserId{2}, message(core::ThreadId{1}, UserId{1}, "y")});
  r.entries.push_back({UserId{1}, message(core::ThreadId{1}, UserId{1}, "y")});
  r.entries.push_back({UserId{1}, message(core::ThreadId{1}, UserId{1}, "y")});
  auto res = s.append(std::move(r));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), core::errc::queue_full);
  EXPECT_EQ(s.info(UserId{1}).value().head, Seq{2});
  EXPECT_FALSE(s.info(UserId{2}).value().exists()) << "the refused request touched no queue";
  EXPECT_TRUE(s.append(one(UserId{1}, "fits")));
  EXPECT_EQ(s.append(one(UserId{1}, "over")).error(), core::errc::queue_full);
}

// Issue 23: one sender filling someone's queue made every send to that user fail.
TYPED_TEST_P(QueueStoreConformance, ASenderOverItsShareIsRefusedAloneWhileOthersAndTheOwnerAppend) {
  auto& s = this->open(StoreOptions{.max_queue_length = 100, .max_sender_share = 3});
  const UserId victim{1}, flooder{9}, friend_{8};
  // What a send to a thread of the two does: the update in both queues.
  const auto send = [&](UserId from) {
    AppendRequest r;
    for (UserId to : {victim, from}) r.entries.push_back({to, message(core::ThreadId{1}, from, "m")});
    return s.append(std::move(r));
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(send(flooder)) << i;
  auto over = send(flooder);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error(), core::errc::share_full);
  EXPECT_EQ(s.info(flooder).value().head, Seq{3}) << "refused whole: not even its own queue";
  EXPECT_EQ(s.info(victim).value().head, Seq{3});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(send(friend_)) << "another sender has its own share";
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(s.append(one(victim, "own"))) << "the owner is never limited by a share";
  EXPECT_EQ(s.info(victim).value().head, Seq{11});
  auto friend_over = send(friend_);
  ASSERT_FALSE(friend_over);
  EXPECT_EQ(friend_over.error(), core::errc::share_full);
  // A trim frees what the trimmed updates held: the flooder's first three.
  ASSERT_TRUE(s.advance_cursor(victim, core::CursorName::storage(), Seq{11}));
  ASSERT_EQ(s.trim_to(victim, Seq{3}), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(send(flooder)) << i;
  auto again = send(flooder);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), core::errc::share_full);
}

TYPED_TEST_P(QueueStoreConformance, CursorsMoveOnlyForwardAndNotPastHead) {
  auto& s = this->open();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(s.append(one(UserId{1}, "x")));
  const auto phone = core::CursorName::device(core::DeviceId{"phone"});
  EXPECT_EQ(s.advance_cursor(UserId{1}, phone, Seq{3}), Seq{3});
  EXPECT_EQ(s.advance_cursor(UserId{1}, phone, Seq{2}), Seq{3});
  EXPECT_EQ(s.advance_cursor(UserId{1}, phone, Seq{5}).error(), core::errc::cursor_beyond_head);
  EXPECT_EQ(s.cursor(UserId{1}, phone).value(), Seq{3});
  EXPECT_FALSE(s.cursor(UserId{1}, core::CursorName::storage()).value());
  EXPECT_EQ(s.advance_cursor(UserId{1}, core::CursorName::storage(), Seq{1}), Seq{1});
  auto all = s.cursors(UserId{1}).value();
  std::set<std::string> names;
  for (auto& [n, seq] : all) names.insert(n.str());
  EXPECT_EQ(names, (std::set<std::string>{"device:phone", "storage"}));
}

TYPED_TEST_P(QueueStoreConformance, TrimNeverPassesTheStorageCursor) {
  auto& s = this->open();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(s.append(one(UserId{1}, "x")));
  EXPECT_EQ(s.trim_to(UserId{1}, Seq{2}).error(), core::errc::trim_past_storage_cursor);
  ASSERT_TRUE(s.advance_cursor(UserId{1}, core::CursorName::storage(), Seq{4}));
  EXPECT_EQ(s.trim_to(UserId{1}, Seq{5}).error(), core::errc::trim_past_storage_cursor);
  EXPECT_EQ(s.trim_to(UserId{1}, Seq{3}), 3u);
  EXPECT_EQ(s.trim_to(UserId{1}, Seq{2}), 0u) << "already trimmed";
  const auto info = s.info(UserId{1}).value();
  EXPECT_EQ(info.first_retained, Seq{4});
  EXPECT_EQ(info.head, Seq{6});
  EXPECT_EQ(s.read(UserId{1}, Seq{3}, 10).error(), core::errc::trimmed);
  auto rest = s.read(UserId{1}, Seq{4}, 10).value();
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest.front().seq, Seq{4});
  auto next = s.append(one(UserId{1}, "after trim"));
  EXPECT_EQ(next->positions.front().seq, Seq{7}) << "seqs continue after a trim";
}

TYPED_TEST_P(QueueStoreConformance, ConcurrentProducersGetGaplessDistinctSeqs) {
  auto& s = this->open();
  constexpr int kThreads = 8, kEach = 200;
  std::vector<std::thread> threads;
  std::vector<std::vector<Seq>> got(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = s.append(one(UserId{1}, std::to_string(t) + ":" + std::to_string(i)));
        ASSERT_TRUE(r);
        got[static_cast<std::size_t>(t)].push_back(r->positions.front().seq);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> seqs;
  for (auto& v : got) {
    for (std::size_t i = 1; i < v.size(); ++i) EXPECT_LT(v[i - 1], v[i]) << "one producer's order holds";
    for (auto q : v) seqs.insert(q.value());
  }
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), static_cast<std::uint64_t>(kThreads * kEach));
}

TYPED_TEST_P(QueueStoreConformance, ListsUsersWithQueuesInIdOrderPageByPage) {
  auto& s = this->open();
  const std::uint64_t big = ~std::uint64_t{0};
  for (std::uint64_t u : {std::uint64_t{7}, std::uint64_t{3}, std::uint64_t{300}, big}) ASSERT_TRUE(s.append(one(UserId{u}, "x")));
  EXPECT_EQ(s.users(UserId{0}, 2).value(), (std::vector<UserId>{UserId{3}, UserId{7}}));
  EXPECT_EQ(s.users(UserId{7}, 10).value(), (std::vector<UserId>{UserId{300}, UserId{big}}));
  EXPECT_TRUE(s.users(UserId{big}, 10)->empty());
  EXPECT_TRUE(s.users(UserId{0}, 0)->empty());
}

TYPED_TEST_P(QueueStoreConformance, EmptyRequestIsInvalid) {
  auto& s = this->open();
  EXPECT_EQ(s.append(AppendRequest{}).error(), errc::invalid_request);
}

// A store that holds a whole cell's queues records the remote share of an append in the same
// commit, lists it in (sender, seq) order and removes it when confirmed; any other refuses
// an append that carries one, appending nothing.
TYPED_TEST_P(QueueStoreConformance, RecordsPendingFanoutWithTheAppendOrRefusesIt) {
  auto& s = this->open();
  auto r = one(UserId{1}, "hi");
  r.entries.push_back({UserId{2}, r.entries.front().update});
  r.idempotency = core::IdempotencyKey{UserId{1}, core::ClientMsgId{9, 9}};
  r.fanout = FanoutNote{UserId{1}, {UserId{3}, UserId{4}}};
  auto a = s.append(r);
  if (!s.records_fanout()) {
    EXPECT_FALSE(a);
    EXPECT_EQ(s.info(UserId{1}).value().head, Seq{0});
    return;
  }
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(s.info(UserId{3}).value().head, Seq{0}) << "remote recipients are not appended here";
  auto b = one(UserId{1}, "again");
  b.fanout = FanoutNote{UserId{1}, {UserId{3}}};
  ASSERT_TRUE(s.append(b));
  EXPECT_TRUE(s.append(r).value().duplicate);  // a retry records nothing again
  auto rows = s.pending_fanout(UserId{0}, Seq{0}, 10).value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].sender, UserId{1});
  EXPECT_EQ(rows[0].update.seq, Seq{1});
  EXPECT_EQ(std::get<core::MessageCreated>(rows[0].update.body).text, "hi");
  EXPECT_EQ(rows[0].recipients, (std::vector<UserId>{UserId{3}, UserId{4}}));
  EXPECT_EQ(rows[1].update.seq, Seq{2});
  EXPECT_EQ(s.pending_fanout(UserId{1}, Seq{1}, 10).value().size(), 1u) << "pages after (sender, seq)";
  std::promise<Result<void>> done;
  s.async_confirm_fanout({{UserId{1}, Seq{1}}}, [&](Result<void> x) { done.set_value(x); });
  ASSERT_TRUE(done.get_future().get());
  rows = s.pending_fanout(UserId{0}, Seq{0}, 10).value();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].update.seq, Seq{2});
  // A note whose recipient is also appended here, or whose sender is not, is invalid.
  auto bad = one(UserId{1}, "x");
  bad.fanout = FanoutNote{UserId{1}, {UserId{1}}};
  EXPECT_FALSE(s.append(bad));
  bad.fanout = FanoutNote{UserId{7}, {UserId{3}}};
  EXPECT_FALSE(s.append(bad));
  // Several rows in one call, one of them already gone: all removed, and it succeeds.
  auto third = one(UserId{1}, "third");
  third.fanout = FanoutNote{UserId{1}, {UserId{3}}};
  ASSERT_TRUE(s.append(third));
  ASSERT_EQ(s.pending_fanout(UserId{0}, Seq{0}, 10).value().size(), 2u);
  std::promise<Result<void>> both;
  s.async_confirm_fanout({{UserId{1}, Seq{1}}, {UserId{1}, Seq{2}}, {UserId{1}, Seq{3}}},
                         [&](Result<void> x) { both.set_value(x); });
  ASSERT_TRUE(both.get_future().get());
  EXPECT_TRUE(s.pending_fanout(UserId{0}, Seq{0}, 10).value().empty());
}

REGISTER_TYPED_TEST_SUITE_P(QueueStoreConformance,
                            RecordsPendingFanoutWithTheAppendOrRefusesIt,
                            MissingQueueHasNoEpochAndIsEmpty,
                            AssignsGaplessSeqsPerUserWithAStableEpoch,
                            AppendsToSeveralQueuesInOneRequest,
                            RetriedSendWithTheSameKeyAppendsNothing,
                            RefusesAppendPastMaxLengthWholly,
                            ASenderOverItsShareIsRefusedAloneWhileOthersAndTheOwnerAppend,
                            CursorsMoveOnlyForwardAndNotPastHead,
                            TrimNeverPassesTheStorageCursor,
                            ConcurrentProducersGetGaplessDistinctSeqs,
                            ListsUsersWithQueuesInIdOrderPageByPage,
                            EmptyRequestIsInvalid);

}  // namespace iris::store::testing
