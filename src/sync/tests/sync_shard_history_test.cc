// SyncShard with the history tier attached: inboxes of trimmed queues come from history plus
// the tail it has not applied, appends notify the writer, and trimmed devices resync.
#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "core/testing/random_updates.h"
#include "store/errc.h"
#include "store/memory/memory_history_store.h"
#include "store/memory/memory_queue_store.h"
#include "sync/errc.h"
#include "sync/history_writer.h"
#include "sync/sync_shard.h"
#include "wire/codec.h"

namespace iris::sync {
namespace {

using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::UserId;

struct Sink final : DeviceSink {
  std::map<ConnId, std::vector<wire::Message>> pushes;
  std::vector<ConnId> replies;
  void push(ConnId conn, std::string payload, std::uint64_t) override {
    pushes[conn].push_back(wire::decode<wire::Message>(payload).value());
  }
  void reply(ConnId conn, RequestTag, std::optional<wire::ErrorCode>, std::string) override {
    replies.push_back(conn);
  }
  void signal(ConnId, std::string) override {}
  bool tracing(UserId) override { return false; }
  void trace(UserId, std::string) override {}
  void revoke_thread(UserId, ThreadId) override {}
};

// One shard owns everybody; tasks run when run() is called.
struct Router final : ShardRouter {
  SyncShard* shard = nullptr;
  std::deque<std::function<void(SyncShard&)>> tasks;
  void to_owner(UserId, std::function<void(SyncShard&)> fn) override { tasks.push_back(std::move(fn)); }
  void to_shard(std::uint32_t, std::function<void(SyncShard&)> fn) override { tasks.push_back(std::move(fn)); }
  void run() {
    while (!tasks.empty()) {
      auto fn = std::move(tasks.front());
      tasks.pop_front();
      fn(*shard);
    }
  }
};

constexpr UserId kAnn{1}, kBob{2};
constexpr ThreadId kThread{7};

class SyncShardHistoryTest : public ::testing::Test {
 protected:
  SyncShardHistoryTest() {
    shard_.attach_history(*history_, [this](UserId u) { writer_.notify(u); });
    router_.shard = &shard_;
  }

  // Appends `u` to Ann's queue and to the reference inbox built from every update.
  void append(core::Update u) {
    store::AppendRequest r;
    r.entries.push_back({kAnn, u});
    auto pos = queue_->append(std::move(r)).value().positions.front();
    u.seq = pos.seq;
    reference_.apply(u);
  }
  core::Update at(core::UpdateBody body, UserId actor = kBob) {
    return core::Update{Seq{0}, now_, kThread, actor, std::move(body)};
  }
  void history_catches_up() {
    writer_.notify(kAnn);
    ASSERT_TRUE(writer_.flush(std::chrono::seconds(5)));
  }
  // Thread, 12 messages, an edit, a delete and a receipt; history applies them; the queue
  // is trimmed to its last two; then 3 more updates only the queue has.
  void trimmed_queue_with_a_tail() {
    append(at(core::ThreadCreated{"lunch", {kAnn, kBob}}, kAnn));
    for (std::uint64_t i = 1; i <= 12; ++i) {
      append(at(core::MessageCreated{MessageId{i}, core::ClientMsgId{0, i}, "m" + std::to_string(i), std::nullopt}));
    }
    append(at(core::MessageEdited{MessageId{3}, "edited"}));
    append(at(core::MessageDeleted{MessageId{12}}));
    append(at(core::ReadReceipt{kAnn, MessageId{5}}, kAnn));
    history_catches_up();
    ASSERT_TRUE(queue_->trim_to(kAnn, Seq{14}));
    append(at(core::MessageCreated{MessageId{13}, core::ClientMsgId{0, 13}, "tail", std::nullopt}));
    append(at(core::MessageDeleted{MessageId{11}}));
    append(at(core::ThreadRenamed{"dinner"}, kAnn));
  }

  core::Timestamp now_{std::chrono::milliseconds{1'800'000'000'000}};
  std::unique_ptr<store::QueueStore> queue_ = store::make_memory_queue_store();
  std::unique_ptr<store::HistoryStore> history_ = store::make_memory_history_store();
  HistoryWriter writer_{*queue_, *history_, {}, [this] { return now_; }};
  SyncOptions options_;
  Sink sink_;
  Router router_;
  SyncShard shard_{0, options_, *queue_, router_, sink_, [this] { return now_; }};
  Inbox reference_{kAnn};
};

TEST_F(SyncShardHistoryTest, SnapshotOfATrimmedQueueIsHistoryPlusTheTailExactAtItsSeq) {
  trimmed_queue_with_a_tail();
  ASSERT_EQ(queue_->info(kAnn)->first_retained, Seq{15});
  const auto epoch = queue_->info(kAnn)->epoch;
  auto snap = shard_.snapshot(kAnn);
  ASSERT_TRUE(snap) << snap.error().message();
  EXPECT_EQ(snap->seq, Seq{19});
  // The history tier does not carry edit counts and reactions yet (docs/PROTOCOL.md, "Per-item
  // metadata"): everything else is exact; those two only for the tail after history.
  auto without_meta = [](wire::Snapshot x) {
    for (auto& t : x.threads) {
      for (auto& m : t.latest_messages) {
        m.edit_count = 0;
        m.reactions.clear();
      }
    }
    return x;
  };
  EXPECT_EQ(without_meta(*snap), without_meta(reference_.snapshot(epoch, options_.snapshot_latest)));
  ASSERT_EQ(snap->threads.size(), 1u);
  EXPECT_EQ(snap->threads[0].name, "dinner");
  EXPECT_EQ(snap->threads[0].unread_count, 6u) << "6..10 and 13 (11, 12 deleted)";
}

TEST_F(SyncShardHistoryTest, OlderMessagesOfATrimmedQueueArePagedFromHistory) {
  trimmed_queue_with_a_tail();
  auto page = shard_.messages(kAnn, kThread, MessageId{5}, 3);
  ASSERT_TRUE(page) << page.error().message();
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].message, MessageId{2});
  EXPECT_EQ((*page)[1].text, "edited") << "message 3, as edited";
  EXPECT_EQ((*page)[2].message, MessageId{4});
  auto newest = shard_.messages(kAnn, kThread, std::nullopt, 2).value();
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].message, MessageId{10}) << "11 and 12 are deleted";
  EXPECT_EQ(newest[1].text, "tail");
  EXPECT_EQ(shard_.messages(kAnn, ThreadId{99}, std::nullopt, 2).error(), errc::unknown_thread);
}

TEST_F(SyncShardHistoryTest, WithoutHistoryATrimmedQueueGivesNoSnapshotRatherThanAWrongOne) {
  trimmed_queue_with_a_tail();
  history_->set_unavailable(true);
  auto snap = shard_.snapshot(kAnn);
  ASSERT_FALSE(snap);
  EXPECT_EQ(snap.error(), store::errc::unavailable);
  history_->set_unavailable(false);
  EXPECT_TRUE(shard_.snapshot(kAnn)) << "the next attempt loads";
}

TEST_F(SyncShardHistoryTest, EveryAppendNotifiesTheHistoryWriter) {
  shard_.on_connected(ConnId{1}, kAnn, core::DeviceId{"phone"});
  shard_.on_request(ConnId{1}, RequestTag{1}, Encoding::thrift_compact, wire::encode(wire::Message{wire::CreateThreadRequest{core::ClientMsgId{1, 1}, "t", {kBob}}}));
  router_.run();
  ASSERT_EQ(sink_.replies.size(), 1u);
  EXPECT_FALSE(writer_.idle()) << "both participants' queues are waiting for history";
  ASSERT_TRUE(writer_.flush(std::chrono::seconds(5)));
  EXPECT_EQ(queue_->cursor(kAnn, core::CursorName::storage()).value(), Seq{1});
  EXPECT_EQ(queue_->cursor(kBob, core::CursorName::storage()).value(), Seq{1});
}

TEST_F(SyncShardHistoryTest, DeviceBehindTheFirstRetainedSeqGetsTooOldOnResume) {
  trimmed_queue_with_a_tail();
  shard_.on_connected(ConnId{1}, kAnn, core::DeviceId{"phone"});
  const auto epoch = queue_->info(kAnn)->epoch;
  // The inbox is loaded (and its queue view cached) before a further trim.
  ASSERT_TRUE(shard_.snapshot(kAnn));
  history_catches_up();
  ASSERT_TRUE(queue_->trim_to(kAnn, Seq{17}));
  shard_.on_request(ConnId{1}, RequestTag{1}, Encoding::thrift_compact, wire::encode(wire::Message{wire::ResumeRequest{epoch, Seq{15}, 0}}));
  router_.run();
  ASSERT_FALSE(sink_.pushes[ConnId{1}].empty());
  auto* r = std::get_if<wire::Resync>(&sink_.pushes[ConnId{1}].back());
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->reason, wire::ResyncReason::too_old);
}

// A new owner (after a kill -9 in a cell, or a restart) seeds the inbox from history: the
// next edit must still be numbered after the edits before it, or devices that saw those edits
// live disagree with a rebuild from the queue (the fold takes the most edits it counts).
TEST_F(SyncShardHistoryTest, AnEditByANewOwnerWhoseInboxCameFromHistoryCountsTheEarlierEdits) {
  append(at(core::ThreadCreated{"lunch", {kAnn, kBob}}, kAnn));
  append(at(core::MessageCreated{MessageId{1}, core::ClientMsgId{0, 1}, "hi", std::nullopt}, kAnn));
  append(at(core::MessageEdited{MessageId{1}, "hi!", 1}, kAnn));
  append(at(core::MessageEdited{MessageId{1}, "hi!!", 2}, kAnn));
  history_catches_up();

  Router router;
  SyncShard owner{1, options_, *queue_, router, sink_, [this] { return now_; }};
  owner.attach_history(*history_, [](UserId) {});
  router.shard = &owner;
  std::optional<SyncShard::Outcome> outcome;
  owner.request(kAnn, wire::Message{wire::MessageActionRequest{core::ClientMsgId{0, 9}, kThread, MessageId{1},
                                                               wire::MessageAction::edit, "hi!!!"}},
                [&](SyncShard::Outcome o) { outcome = std::move(o); });
  router.run();
  ASSERT_TRUE(outcome && std::holds_alternative<wire::SendResult>(*outcome));
  const auto last = queue_->read(kAnn, Seq{5}, 1);
  ASSERT_TRUE(last && last->size() == 1u);
  const auto* edit = std::get_if<core::MessageEdited>(&last->front().body);
  ASSERT_NE(edit, nullptr);
  EXPECT_EQ(edit->edit_count, 3u);
}

}  // namespace
}  // namespace iris::sync
