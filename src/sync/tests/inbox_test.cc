#include "sync/inbox.h"

#include <gtest/gtest.h>

namespace iris::sync {
namespace {

using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::UserId;

const UserId kMe{1}, kBob{2};

class InboxTest : public ::testing::Test {
 protected:
  void add(std::uint64_t thread, UserId actor, core::UpdateBody body) {
    inbox_.apply(core::Update{Seq{++seq_}, core::Timestamp{}, ThreadId{thread}, actor, std::move(body)});
  }
  void say(std::uint64_t thread, UserId who, std::uint64_t id, std::string text) {
    add(thread, who, core::MessageCreated{MessageId{id}, {}, std::move(text), {}});
  }
  Inbox inbox_{kMe};
  std::uint64_t seq_ = 0;
};

TEST_F(InboxTest, SnapshotNamesItsPositionAndThreads) {
  add(10, kMe, core::ThreadCreated{"lunch", {kMe, kBob}});
  say(10, kBob, 1, "hi");
  say(10, kMe, 2, "hello");
  add(10, kBob, core::ThreadRenamed{"Lunch!"});
  const auto s = inbox_.snapshot(core::Epoch{9}, 20);
  EXPECT_EQ(s.epoch, core::Epoch{9});
  EXPECT_EQ(s.seq, Seq{4});
  ASSERT_EQ(s.threads.size(), 1u);
  EXPECT_EQ(s.threads[0].name, "Lunch!");
  EXPECT_EQ(s.threads[0].participants, (std::vector<UserId>{kMe, kBob}));
  ASSERT_EQ(s.threads[0].latest_messages.size(), 2u);
  EXPECT_EQ(s.threads[0].latest_messages[0].text, "hi") << "oldest first";
}

TEST_F(InboxTest, UnreadCountsOthersMessagesAfterMyWatermark) {
  add(10, kMe, core::ThreadCreated{"t", {kMe, kBob}});
  say(10, kBob, 1, "a");
  say(10, kBob, 2, "b");
  say(10, kMe, 3, "mine never counts");
  say(10, kBob, 4, "c");
  EXPECT_EQ(inbox_.snapshot(core::Epoch{1}, 5).threads[0].unread_count, 3u);
  add(10, kMe, core::ReadReceipt{kMe, MessageId{2}});
  EXPECT_EQ(inbox_.snapshot(core::Epoch{1}, 5).threads[0].unread_count, 1u);
  add(10, kMe, core::ReadReceipt{kMe, MessageId{1}});
  EXPECT_EQ(inbox_.snapshot(core::Epoch{1}, 5).threads[0].unread_count, 1u) << "watermarks never go back";
  add(10, kBob, core::ReadReceipt{kBob, MessageId{3}});
  const auto marks = inbox_.snapshot(core::Epoch{1}, 5).threads[0].read_watermarks;
  ASSERT_EQ(marks.size(), 2u);
}

TEST_F(InboxTest, EditsAndDeletesShowInTheSnapshot) {
  say(10, kBob, 1, "tpyo");
  say(10, kBob, 2, "oops");
  add(10, kBob, core::MessageEdited{MessageId{1}, "typo"});
  add(10, kBob, core::MessageDeleted{MessageId{2}});
  const auto msgs = inbox_.snapshot(core::Epoch{1}, 10).threads[0].latest_messages;
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].text, "typo");
}

TEST_F(InboxTest, KeepsOnlyTheLatestMessagesAndPagesOlderOnes) {
  for (std::uint64_t i = 1; i <= 10; ++i) say(10, kBob, i, std::to_string(i));
  const auto latest = inbox_.snapshot(core::Epoch{1}, 3).threads[0].latest_messages;
  ASSERT_EQ(latest.size(), 3u);
  EXPECT_EQ(latest.front().text, "8");
  const auto page = inbox_.messages(ThreadId{10}, MessageId{8}, 4);
  ASSERT_EQ(page.size(), 4u);
  EXPECT_EQ(page.front().text, "4");
  EXPECT_EQ(page.back().text, "7");
  EXPECT_EQ(inbox_.messages(ThreadId{10}, MessageId{3}, 10).size(), 2u);
  EXPECT_TRUE(inbox_.messages(ThreadId{99}, std::nullopt, 10).empty());
}

TEST_F(InboxTest, ParticipantsFollowChanges) {
  add(10, kMe, core::ThreadCreated{"t", {kMe}});
  EXPECT_FALSE(inbox_.is_participant(ThreadId{10}, kBob));
  add(10, kMe, core::ParticipantsChanged{{kBob, kBob}, {}});
  EXPECT_TRUE(inbox_.is_participant(ThreadId{10}, kBob));
  EXPECT_EQ(inbox_.snapshot(core::Epoch{1}, 1).threads[0].participants.size(), 2u);
  add(10, kMe, core::ParticipantsChanged{{}, {kBob}});
  EXPECT_FALSE(inbox_.is_participant(ThreadId{10}, kBob));
}

}  // namespace
}  // namespace iris::sync
