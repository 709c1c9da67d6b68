#pragma once
// One typed suite that every HistoryStore backend passes: the contract in history_store.h.
// A backend's test file instantiates it with a Backend type whose open() opens (or reopens)
// the store under test on the same storage:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, HistoryStoreConformance, ::testing::Types<...>);
#include <gtest/gtest.h>

#include <memory>

#include "store/errc.h"
#include "store/history_store.h"

namespace iris::store::conformance {

using core::Epoch;
using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::Update;
using core::UserId;

template <typename Backend>
class HistoryStoreConformance : public ::testing::Test {
 protected:
  // A backend that cannot run here (no MariaDB server) opens nullptr: every case skips.
  void SetUp() override {
    if (!backend_.open()) GTEST_SKIP() << "backend unavailable";
  }
  HistoryStore& open() {
    store_.reset();
    store_ = backend_.open();
    return *store_;
  }
  Backend backend_;
  std::unique_ptr<HistoryStore> store_;
};

TYPED_TEST_SUITE_P(HistoryStoreConformance);

inline constexpr UserId kAlice{1};
inline constexpr UserId kBob{2};
inline constexpr ThreadId kThread{10};
inline constexpr Epoch kEpoch{77};

inline core::Timestamp at(int ms) { return core::Timestamp{std::chrono::milliseconds{ms}}; }

inline Update upd(std::uint64_t seq, UserId actor, core::UpdateBody body, ThreadId thread = kThread) {
  return Update{Seq{seq}, at(static_cast<int>(seq) * 10), thread, actor, std::move(body)};
}
inline core::MessageCreated msg(std::uint64_t id, std::string text) {
  return core::MessageCreated{MessageId{id}, core::ClientMsgId{1, id}, std::move(text), std::nullopt};
}

// Alice's queue: a thread with Bob, three messages from Bob, one edited, one deleted, one
// of her own, and a receipt up to the first.
inline std::vector<Update> alice_updates() {
  return {
      upd(1, kAlice, core::ThreadCreated{"lunch", {kAlice, kBob}}),
      upd(2, kBob, msg(100, "hi")),
      upd(3, kBob, msg(101, "there")),
      upd(4, kBob, msg(102, "typo")),
      upd(5, kBob, core::MessageEdited{MessageId{102}, "fixed"}),
      upd(6, kAlice, msg(103, "mine")),
      upd(7, kBob, core::MessageDeleted{MessageId{101}}),
      upd(8, kAlice, core::ReadReceipt{kAlice, MessageId{100}}),
      upd(9, kBob, core::ReadReceipt{kBob, MessageId{103}}),
  };
}

// What history keeps of alice_updates(): 101 was unsent (seq 7), so its create has no content.
inline std::vector<Update> alice_kept() {
  auto all = alice_updates();
  std::get<core::MessageCreated>(all[2].body).text.clear();
  return all;
}

TYPED_TEST_P(HistoryStoreConformance, UnknownUserHasNoHistory) {
  auto& s = this->open();
  EXPECT_EQ(s.position(kAlice).value(), HistoryPosition{});
  auto inbox = s.inbox(kAlice, 10);
  ASSERT_TRUE(inbox);
  EXPECT_TRUE(inbox->threads.empty());
  EXPECT_TRUE(s.updates(kAlice, Seq{1}, 10)->empty());
  EXPECT_TRUE(s.messages(kAlice, kThread, std::nullopt, 10)->empty());
}

TYPED_TEST_P(HistoryStoreConformance, MaterializesTheInboxAsOfTheAppliedSeq) {
  auto& s = this->open();
  const std::vector<HistoryBatch> batch{{kAlice, kEpoch, alice_updates()}};
  ASSERT_TRUE(s.apply(batch));
  EXPECT_EQ(s.position(kAlice).value(), (HistoryPosition{kEpoch, Seq{9}}));
  auto inbox = s.inbox(kAlice, 2).value();
  EXPECT_EQ(inbox.position, (HistoryPosition{kEpoch, Seq{9}}));
  ASSERT_EQ(inbox.threads.size(), 1u);
  const auto& t = inbox.threads.front();
  EXPECT_EQ(t.thread, kThread);
  EXPECT_EQ(t.name, "lunch");
  EXPECT_EQ(t.participants, (std::vector<UserId>{kAlice, kBob}));
  ASSERT_EQ(t.latest.size(), 2u) << "newest two, oldest first";
  EXPECT_EQ(t.latest[0], (HistoryMessage{MessageId{102}, kBob, at(40), "fixed", std::nullopt, 1}))
      << "edited once (issue 21: history keeps edit counts)";
  EXPECT_EQ(t.latest[1].message, MessageId{103});
  EXPECT_EQ(t.unread_count, 1u) << "102 from Bob is above Alice's watermark; 101 is deleted";
  EXPECT_EQ(t.watermarks, (std::vector<std::pair<UserId, MessageId>>{{kAlice, MessageId{100}},
                                                                     {kBob, MessageId{103}}}));
}

TYPED_TEST_P(HistoryStoreConformance, KeepsEveryUpdateInOrder) {
  auto& s = this->open();
  const auto all = alice_updates();
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{{kAlice, kEpoch, all}}));
  EXPECT_EQ(s.updates(kAlice, Seq{1}, 100).value(), alice_kept());
  auto tail = s.updates(kAlice, Seq{8}, 1).value();
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail.front(), all[7]);
}

TYPED_TEST_P(HistoryStoreConformance, ReapplyingAnAppliedRangeChangesNothing) {
  auto& s = this->open();
  auto all = alice_updates();
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{{kAlice, kEpoch, {all.begin(), all.begin() + 6}}}));
  const auto before = s.inbox(kAlice, 10).value();
  // A crash after the history commit and before the cursor write replays 4..9.
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{{kAlice, kEpoch, {all.begin() + 3, all.begin() + 6}}}));
  EXPECT_EQ(s.inbox(kAlice, 10).value(), before);
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{{kAlice, kEpoch, {all.begin() + 3, all.end()}}}));
  EXPECT_EQ(s.updates(kAlice, Seq{1}, 100).value(), alice_kept());
}

TYPED_TEST_P(HistoryStoreConformance, AppliesManyUsersInOneCall) {
  auto& s = this->open();
  std::vector<HistoryBatch> batches{
      {kAlice, kEpoch, alice_updates()},
      {kBob, Epoch{5}, {upd(1, kAlice, core::ThreadCreated{"lunch", {kAlice, kBob}}),
                        upd(2, kBob, msg(100, "hi"))}},
  };
  ASSERT_TRUE(s.apply(batches));
  EXPECT_EQ(s.position(kAlice)->seq, Seq{9});
  EXPECT_EQ(s.position(kBob).value(), (HistoryPosition{Epoch{5}, Seq{2}}));
  auto bob = s.inbox(kBob, 10).value();
  ASSERT_EQ(bob.threads.size(), 1u);
  EXPECT_EQ(bob.threads[0].unread_count, 0u) << "his own message is never unread";
}

TYPED_TEST_P(HistoryStoreConformance, NewEpochStartsTheUserOver) {
  auto& s = this->open();
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{{kAlice, kEpoch, alice_updates()}}));
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{
      {kAlice, Epoch{78}, {upd(1, kAlice, core::ThreadCreated{"new", {kAlice}}, ThreadId{11})}}}));
  EXPECT_EQ(s.position(kAlice).value(), (HistoryPosition{Epoch{78}, Seq{1}}));
  auto inbox = s.inbox(kAlice, 10).value();
  ASSERT_EQ(inbox.threads.size(), 1u);
  EXPECT_EQ(inbox.threads[0].thread, ThreadId{11});
  EXPECT_EQ(s.updates(kAlice, Seq{1}, 100)->size(), 1u);
}

TYPED_TEST_P(HistoryStoreConformance, PagesOlderMessagesBeforeAnId) {
  auto& s = this->open();
  std::vector<Update> us{upd(1, kAlice, core::ThreadCreated{"t", {kAlice, kBob}})};
  for (std::uint64_t i = 0; i < 10; ++i) us.push_back(upd(i + 2, kBob, msg(200 + i, "m")));
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{{kAlice, kEpoch, us}}));
  auto page = s.messages(kAlice, kThread, MessageId{205}, 3).value();
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].message, MessageId{202});
  EXPECT_EQ(page[2].message, MessageId{204});
  auto first = s.messages(kAlice, kThread, MessageId{202}, 10).value();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].message, MessageId{200});
  EXPECT_EQ(s.messages(kAlice, kThread, std::nullopt, 100)->size(), 10u);
  EXPECT_TRUE(s.messages(kAlice, ThreadId{999}, std::nullopt, 10)->empty());
}

TYPED_TEST_P(HistoryStoreConformance, OrdersIdsAboveTwoToThe63Numerically) {
  auto& s = this->open();
  const std::uint64_t big = (1ull << 63) + 5;
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{
      {kAlice, kEpoch, {upd(1, kBob, msg(big, "big")), upd(2, kBob, msg(7, "small"))}}}));
  auto page = s.messages(kAlice, kThread, std::nullopt, 10).value();
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].message, MessageId{7});
  EXPECT_EQ(page[1].message, MessageId{big});
  EXPECT_EQ(s.messages(kAlice, kThread, MessageId{big}, 10)->size(), 1u);
}

TYPED_TEST_P(HistoryStoreConformance, FaultSwitchFailsEveryCallUntilSwitchedOff) {
  auto& s = this->open();
  auto all = alice_updates();
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{{kAlice, kEpoch, {all.begin(), all.begin() + 3}}}));
  s.set_unavailable(true);
  auto r = s.apply(std::vector<HistoryBatch>{{kAlice, kEpoch, all}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::unavailable);
  EXPECT_EQ(s.position(kAlice).error(), errc::unavailable);
  EXPECT_FALSE(s.inbox(kAlice, 1));
  EXPECT_FALSE(s.messages(kAlice, kThread, std::nullopt, 1));
  EXPECT_FALSE(s.updates(kAlice, Seq{1}, 1));
  s.set_unavailable(false);
  EXPECT_EQ(s.position(kAlice)->seq, Seq{3}) << "the refused apply left nothing behind";
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{{kAlice, kEpoch, all}}));
  EXPECT_EQ(s.updates(kAlice, Seq{1}, 100).value(), alice_kept());
}

inline core::Attachment photo() {
  core::Attachment a;
  a.blob.bytes[0] = 0xab;
  a.content_type = "image/png";
  a.size = 300000;
  a.name = "photo.png";
  a.width = 640;
  a.height = 480;
  return a;
}

// Issue 21: a message read from history has what the queue's snapshot gives it.
TYPED_TEST_P(HistoryStoreConformance, MessagesKeepAttachmentsEditCountsAndReactions) {
  auto& s = this->open();
  auto created = msg(100, "helo");
  created.attachments = {photo()};
  const std::vector<Update> bob{
      upd(1, kAlice, core::ThreadCreated{"lunch", {kAlice, kBob}}),
      upd(2, kAlice, created),
      upd(3, kAlice, core::MessageEdited{MessageId{100}, "hello", 1}),
      upd(4, kAlice, core::MessageEdited{MessageId{100}, "hello!", 2}),
      upd(5, kBob, core::ReactionChanged{MessageId{100}, "😂"}),
      upd(6, kAlice, core::ReactionChanged{MessageId{100}, "👍"}),
      upd(7, kBob, core::ReactionChanged{MessageId{100}, "🎉"}),
      upd(8, UserId{3}, core::ReactionChanged{MessageId{100}, "x"}),
      upd(9, UserId{3}, core::ReactionChanged{MessageId{100}, ""}),
  };
  // Alice's queue has the same updates; her body is the thread's, shared.
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{{kAlice, kEpoch, bob}, {kBob, kEpoch, bob}}));
  HistoryMessage want{MessageId{100}, kAlice, at(20), "hello!", std::nullopt, 2,
                      {{kAlice, "👍"}, {kBob, "🎉"}}, {photo()}};
  for (auto user : {kAlice, kBob}) {
    EXPECT_EQ(s.messages(user, kThread, std::nullopt, 10).value(), std::vector<HistoryMessage>{want});
    EXPECT_EQ(s.inbox(user, 10)->threads.at(0).latest, std::vector<HistoryMessage>{want});
    EXPECT_EQ(s.updates(user, Seq{1}, 100).value(), bob) << "the create keeps its attachments";
  }
}

TYPED_TEST_P(HistoryStoreConformance, AnUnsendLeavesNoContentOfTheMessageForAnyParticipant) {
  auto& s = this->open();
  auto created = msg(100, "secret");
  created.attachments = {photo()};
  const std::vector<Update> queue{
      upd(1, kAlice, core::ThreadCreated{"t", {kAlice, kBob}}),
      upd(2, kAlice, created),
      upd(3, kAlice, core::MessageEdited{MessageId{100}, "secret!", 1}),
      upd(4, kBob, core::ReactionChanged{MessageId{100}, "👍"}),
      upd(5, kAlice, msg(101, "stays")),
      upd(6, kAlice, core::MessageDeleted{MessageId{100}}),
  };
  // Bob's history has not had the unsend yet when Alice's applies it.
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{{kBob, kEpoch, {queue.begin(), queue.begin() + 5}},
                                                {kAlice, kEpoch, queue}}));
  auto stripped = queue;
  std::get<core::MessageCreated>(stripped[1].body).text.clear();
  std::get<core::MessageCreated>(stripped[1].body).attachments.clear();
  std::get<core::MessageEdited>(stripped[2].body).text.clear();
  EXPECT_EQ(s.updates(kAlice, Seq{1}, 100).value(), stripped);
  auto alice = s.messages(kAlice, kThread, std::nullopt, 10).value();
  ASSERT_EQ(alice.size(), 1u);
  EXPECT_EQ(alice[0].text, "stays");
  auto bob = s.messages(kBob, kThread, std::nullopt, 10).value();
  ASSERT_EQ(bob.size(), 2u) << "still shown to Bob until his queue's unsend is applied";
  EXPECT_TRUE(bob[0].attachments.empty()) << "the body is the thread's: no reference the unsend released";
  EXPECT_EQ(s.updates(kBob, Seq{2}, 1)->at(0), stripped[1]);
  ASSERT_TRUE(s.apply(std::vector<HistoryBatch>{{kBob, kEpoch, queue}}));
  EXPECT_EQ(s.updates(kBob, Seq{1}, 100).value(), stripped);
  EXPECT_EQ(s.messages(kBob, kThread, std::nullopt, 10)->size(), 1u);
}

REGISTER_TYPED_TEST_SUITE_P(HistoryStoreConformance,
                            UnknownUserHasNoHistory,
                            MaterializesTheInboxAsOfTheAppliedSeq,
                            KeepsEveryUpdateInOrder,
                            ReapplyingAnAppliedRangeChangesNothing,
                            AppliesManyUsersInOneCall,
                            NewEpochStartsTheUserOver,
                            PagesOlderMessagesBeforeAnId,
                            OrdersIdsAboveTwoToThe63Numerically,
                            FaultSwitchFailsEveryCallUntilSwitchedOff,
                            MessagesKeepAttachmentsEditCountsAndReactions,
                            AnUnsendLeavesNoContentOfTheMessageForAnyParticipant);

}  // namespace iris::store::conformance
