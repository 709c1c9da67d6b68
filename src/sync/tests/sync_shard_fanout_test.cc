// Sends across servers through SyncShard: two servers (one shard each) over one shared
// in-memory store, each owning some users; the test carries the pending fan-out between
// them as the link would.
#include <gtest/gtest.h>

#include <deque>

#include "store/memory/memory_queue_store.h"
#include "store/social/social_store.h"
#include "sync/errc.h"
#include "sync/fanout_frame.h"
#include "sync/sync_shard.h"

namespace iris::sync {
namespace {

using core::Seq;
using core::UserId;

struct NoDevices final : DeviceSink {
  void push(ConnId, std::string, std::uint64_t) override {}
  void reply(ConnId, RequestTag, std::optional<wire::ErrorCode>, std::string) override {}
  void signal(ConnId, std::string) override {}
  bool tracing(UserId) override { return false; }
  void trace(UserId, std::string) override {}
  void revoke_thread(UserId, core::ThreadId) override {}
};

// One server: its shard, what it owns, and what it was asked to forward.
struct Server final : ShardRouter, CellFanout {
  Server(store::QueueStore& store, std::function<bool(UserId)> mine) : owns_(std::move(mine)) {
    shard = std::make_unique<SyncShard>(0, options, store, *this, devices, [] { return core::Timestamp{std::chrono::milliseconds{1'000}}; });
    shard->attach_cell(*this);
  }
  void to_owner(UserId, std::function<void(SyncShard&)> fn) override { tasks.push_back(std::move(fn)); }
  void to_shard(std::uint32_t, std::function<void(SyncShard&)> fn) override { tasks.push_back(std::move(fn)); }
  bool owns(UserId u) const override { return owns_(u); }
  bool placed_here(UserId u) const override { return placed_(u); }
  void forward(store::PendingFanout p) override { forwarded.push_back(std::move(p)); }
  void run() {
    while (!tasks.empty()) {
      auto fn = std::move(tasks.front());
      tasks.pop_front();
      fn(*shard);
    }
  }

  SyncOptions options;
  NoDevices devices;
  std::function<bool(UserId)> owns_;
  std::function<bool(UserId)> placed_ = [](UserId) { return true; };
  std::deque<std::function<void(SyncShard&)>> tasks;
  std::vector<store::PendingFanout> forwarded;
  std::unique_ptr<SyncShard> shard;
};

constexpr UserId kAnn{1}, kBob{2}, kCat{3};

// The cell's one social store as both servers see it (MariaDB in irisd: cell_wide), here an
// in-memory SQLite store that reports itself cell-wide.
struct CellWideSocial final : store::SocialStore {
  std::unique_ptr<store::SocialStore> s = store::SocialStore::open(":memory:").value();
  bool cell_wide() const override { return true; }
  Result<core::Relation> relation(UserId o, UserId x) const override { return s->relation(o, x); }
  Result<core::RecipientView> view(UserId r, UserId a) const override { return s->view(r, a); }
  Result<std::vector<UserId>> blocked_by(UserId a, std::span<const UserId> o) const override {
    ++block_checks;
    return s->blocked_by(a, o);
  }
  Result<store::SocialState> state(UserId o) const override { return s->state(o); }
  Result<std::map<core::ThreadId, core::Folder>> folders(UserId o) const override { return s->folders(o); }
  Result<core::Folder> folder(UserId o, core::ThreadId t) const override { return s->folder(o, t); }
  Result<void> set_relation(UserId o, UserId x, core::Relation r) override { return s->set_relation(o, x, r); }
  Result<void> set_group_add(UserId o, core::GroupAdd g) override { return s->set_group_add(o, g); }
  Result<void> set_folders(std::span<const store::FolderRow> rows) override { return s->set_folders(rows); }
  mutable int block_checks = 0;
};

class SyncShardFanoutTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::QueueStore> store_ = store::make_memory_queue_store();
  Server a_{*store_, [](UserId u) { return u == kAnn || u == kCat; }};
  Server b_{*store_, [](UserId u) { return u == kBob; }};

  Seq head(UserId u) { return store_->info(u).value().head; }
  std::size_t pending() { return store_->pending_fanout(UserId{0}, Seq{0}, 100).value().size(); }
  Result<void> accept(Server& s, const store::PendingFanout& p) {
    std::optional<Result<void>> out;
    s.shard->accept_fanout(p, [&](Result<void> r) { out = r; });
    s.run();
    EXPECT_TRUE(out);
    return out.value_or(fail(errc::invalid_request));
  }
};

TEST_F(SyncShardFanoutTest, ASendAppendsOwnedParticipantsAndRecordsTheRemoteShareInOneCommit) {
  std::optional<SyncShard::Outcome> outcome;
  a_.shard->request(kAnn, wire::Message{wire::CreateThreadRequest{core::ClientMsgId{1, 1}, "t", {kBob, kCat}}},
                    [&](SyncShard::Outcome o) { outcome = std::move(o); });
  a_.run();
  ASSERT_TRUE(outcome && std::holds_alternative<wire::SendResult>(*outcome));
  EXPECT_EQ(head(kAnn), Seq{1});
  EXPECT_EQ(head(kCat), Seq{1}) << "Cat is A's: appended in the sender's commit";
  EXPECT_EQ(head(kBob), Seq{0}) << "Bob is B's: only B appends to his queue";
  ASSERT_EQ(a_.forwarded.size(), 1u);
  EXPECT_EQ(a_.forwarded[0].sender, kAnn);
  EXPECT_EQ(a_.forwarded[0].update.seq, Seq{1}) << "keyed by the sender's seq";
  EXPECT_EQ(a_.forwarded[0].recipients, std::vector<UserId>{kBob});
  // The same share is durable in the store, for whoever owns Ann after a crash.
  auto rows = store_->pending_fanout(UserId{0}, Seq{0}, 10).value();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], a_.forwarded[0]);
}

// A ring change reached A before Ann's device moved: Ann and Cat are B's now. A appends
// nothing for Ann (were it to append her update and send Cat's share the long way, her next
// send, accepted by B, could reach Cat first) and answers unavailable: her device retries at B.
TEST_F(SyncShardFanoutTest, ARequestOfASenderTheRingNoLongerGivesThisServerIsRefusedWhole) {
  a_.shard->request(kAnn, wire::Message{wire::CreateThreadRequest{core::ClientMsgId{1, 1}, "t", {kCat}}}, [](auto) {});
  a_.run();
  ASSERT_EQ(head(kCat), Seq{1});
  a_.owns_ = [](UserId) { return false; };
  std::optional<SyncShard::Outcome> outcome;
  a_.shard->request(kAnn, wire::Message{wire::CreateThreadRequest{core::ClientMsgId{1, 2}, "u", {kCat}}},
                    [&](SyncShard::Outcome o) { outcome = std::move(o); });
  a_.run();
  ASSERT_TRUE(outcome && std::holds_alternative<wire::Error>(*outcome));
  EXPECT_EQ(std::get<wire::Error>(*outcome).code, wire::ErrorCode::unavailable);
  EXPECT_EQ(head(kAnn), Seq{1}) << "nothing appended for the sender";
  EXPECT_EQ(head(kCat), Seq{1});
  EXPECT_EQ(pending(), 0u) << "and no share recorded for the long way";
  EXPECT_TRUE(a_.forwarded.empty());
}

TEST_F(SyncShardFanoutTest, TheRemoteOwnerAppendsOnceHoweverOftenItIsSent) {
  a_.shard->request(kAnn, wire::Message{wire::CreateThreadRequest{core::ClientMsgId{1, 1}, "t", {kBob}}}, [](auto) {});
  a_.run();
  ASSERT_EQ(a_.forwarded.size(), 1u);
  // Through the link's codec, as a peer receives it.
  auto frame = decode_fanout_frame(encode_fanout_frame(a_.forwarded[0]), {});
  ASSERT_TRUE(frame);
  ASSERT_TRUE(accept(b_, *frame));
  EXPECT_EQ(head(kBob), Seq{1});
  ASSERT_TRUE(accept(b_, *frame)) << "a re-send (the confirmation was lost) is confirmed again";
  EXPECT_EQ(head(kBob), Seq{1}) << "and appends nothing twice";
  EXPECT_TRUE(b_.shard->is_participant(kBob, store_->read(kBob, Seq{1}, 1).value()[0].thread));

  EXPECT_EQ(pending(), 1u);
  std::optional<Result<void>> confirmed;
  store_->async_confirm_fanout({{kAnn, Seq{1}}}, [&](Result<void> r) { confirmed = r; });
  ASSERT_TRUE(confirmed && *confirmed);
  EXPECT_EQ(pending(), 0u) << "the pointer advanced: nothing left to re-send";
}

TEST_F(SyncShardFanoutTest, AServerRefusesFanoutForUsersItDoesNotOwn) {
  a_.shard->request(kAnn, wire::Message{wire::CreateThreadRequest{core::ClientMsgId{1, 1}, "t", {kBob}}}, [](auto) {});
  a_.run();
  ASSERT_EQ(a_.forwarded.size(), 1u);
  EXPECT_EQ(accept(a_, a_.forwarded[0]).error(), errc::not_owner);
  EXPECT_EQ(head(kBob), Seq{0}) << "nothing appended";
}

TEST_F(SyncShardFanoutTest, ARetriedSendIsNotForwardedAgain) {
  const wire::Message create{wire::CreateThreadRequest{core::ClientMsgId{1, 1}, "t", {kBob}}};
  a_.shard->request(kAnn, create, [](auto) {});
  a_.run();
  a_.shard->request(kAnn, create, [](auto) {});
  a_.run();
  EXPECT_EQ(a_.forwarded.size(), 1u);
  EXPECT_EQ(pending(), 1u);
  EXPECT_EQ(head(kAnn), Seq{1});
}

TEST_F(SyncShardFanoutTest, TheRecipientsOwnerDropsAMessageFromASenderTheRecipientBlocked) {
  // Each server has its own social store; Bob blocked Ann on his owner, B, which A does not see.
  auto a_social = store::SocialStore::open(":memory:").value();
  auto b_social = store::SocialStore::open(":memory:").value();
  a_.shard->attach_social(*a_social);
  b_.shard->attach_social(*b_social);
  ASSERT_TRUE(b_social->set_relation(kBob, kAnn, core::Relation::contact));
  std::optional<SyncShard::Outcome> created;
  a_.shard->request(kAnn, wire::Message{wire::CreateThreadRequest{core::ClientMsgId{1, 1}, "t", {kBob}}},
                    [&](SyncShard::Outcome o) { created = std::move(o); });
  a_.run();
  ASSERT_TRUE(created && std::holds_alternative<wire::SendResult>(*created));
  const core::ThreadId thread = std::get<wire::SendResult>(*created).thread;
  ASSERT_EQ(a_.forwarded.size(), 1u);
  ASSERT_TRUE(accept(b_, a_.forwarded[0]));
  ASSERT_EQ(head(kBob), Seq{1});

  ASSERT_TRUE(b_social->set_relation(kBob, kAnn, core::Relation::blocked));
  std::optional<SyncShard::Outcome> sent;
  a_.shard->request(kAnn, wire::Message{wire::SendRequest{core::ClientMsgId{1, 2}, thread, "hi", std::nullopt}},
                    [&](SyncShard::Outcome o) { sent = std::move(o); });
  a_.run();
  ASSERT_TRUE(sent && std::holds_alternative<wire::SendResult>(*sent)) << "A cannot see Bob's block";
  ASSERT_EQ(a_.forwarded.size(), 2u);
  EXPECT_TRUE(accept(b_, a_.forwarded[1])) << "confirmed, so the sender's server stops re-sending";
  EXPECT_EQ(head(kBob), Seq{1}) << "nothing of the blocked sender reaches Bob's queue";

  ASSERT_TRUE(b_social->set_relation(kBob, kAnn, core::Relation::none));
  a_.shard->request(kAnn, wire::Message{wire::SendRequest{core::ClientMsgId{1, 3}, thread, "again", std::nullopt}},
                    [](auto) {});
  a_.run();
  ASSERT_EQ(a_.forwarded.size(), 3u);
  EXPECT_TRUE(accept(b_, a_.forwarded[2]));
  EXPECT_EQ(head(kBob), Seq{2}) << "unblocked: the next message arrives";
}

TEST_F(SyncShardFanoutTest, WithACellWideSocialStoreTheSendersServerJudgesRemoteRecipients) {
  CellWideSocial social;
  a_.shard->attach_social(social);
  b_.shard->attach_social(social);
  auto ask = [&](const wire::Message& m) {
    std::optional<SyncShard::Outcome> out;
    a_.shard->request(kAnn, m, [&](SyncShard::Outcome o) { out = std::move(o); });
    a_.run();
    EXPECT_TRUE(out);
    return out.value_or(wire::Error{});
  };
  // A stranger's thread: Bob, owned by B, gets a requests row written by A, which B reads.
  auto created = ask(wire::CreateThreadRequest{core::ClientMsgId{1, 1}, "t", {kBob}});
  ASSERT_TRUE(std::holds_alternative<wire::SendResult>(created));
  const core::ThreadId thread = std::get<wire::SendResult>(created).thread;
  EXPECT_EQ(*social.folder(kBob, thread), core::Folder::requests);
  ASSERT_TRUE(accept(b_, a_.forwarded.at(0)));
  auto snap = b_.shard->snapshot(kBob);
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->threads.size(), 1u);
  EXPECT_EQ(snap->threads[0].folder, core::Folder::requests) << "Bob's owner shows the row A wrote";

  // Bob blocks Ann (on B, his owner): A refuses her next message and her next thread with
  // him before its commit; nothing is recorded for B to append.
  ASSERT_TRUE(social.set_relation(kBob, kAnn, core::Relation::blocked));
  ASSERT_TRUE(social.set_group_add(kCat, core::GroupAdd::anyone));  // only Bob's block refuses the group
  const auto forwarded = a_.forwarded.size();
  const auto pending_before = pending();
  const auto ann_head = head(kAnn);
  auto sent = ask(wire::SendRequest{core::ClientMsgId{1, 2}, thread, "hi", std::nullopt});
  ASSERT_TRUE(std::holds_alternative<wire::Error>(sent)) << "refused on A, not acknowledged";
  auto again = ask(wire::CreateThreadRequest{core::ClientMsgId{1, 3}, "t2", {kBob}});
  ASSERT_TRUE(std::holds_alternative<wire::Error>(again));
  auto group = ask(wire::CreateThreadRequest{core::ClientMsgId{1, 4}, "g", {kBob, kCat}});
  ASSERT_TRUE(std::holds_alternative<wire::Error>(group)) << "nor may she add him to a group";
  EXPECT_EQ(a_.forwarded.size(), forwarded);
  EXPECT_EQ(head(kAnn), ann_head) << "nothing committed";
  EXPECT_EQ(pending(), pending_before);
  EXPECT_EQ(head(kBob), Seq{1});
  EXPECT_EQ(head(kCat), Seq{0});
  EXPECT_GT(social.block_checks, 0);
}

TEST_F(SyncShardFanoutTest, ARecipientOfAnotherCellIsLeftToItsOwnerNotJudgedByThisCellsDefaults) {
  CellWideSocial social;  // this cell's: it holds nothing of Bob, placed in another cell
  a_.shard->attach_social(social);
  a_.placed_ = [](UserId u) { return u != kBob; };
  ASSERT_TRUE(social.set_group_add(kCat, core::GroupAdd::anyone));
  std::optional<SyncShard::Outcome> out;
  a_.shard->request(kAnn, wire::Message{wire::CreateThreadRequest{core::ClientMsgId{1, 1}, "g", {kBob, kCat}}},
                    [&](SyncShard::Outcome o) { out = std::move(o); });
  a_.run();
  ASSERT_TRUE(out && std::holds_alternative<wire::SendResult>(*out))
      << "Bob's group-add setting is his cell's to apply, not this cell's default (contacts)";
  const core::ThreadId thread = std::get<wire::SendResult>(*out).thread;
  EXPECT_EQ(*social.folder(kBob, thread), core::Folder::inbox) << "no row for him in this cell";
  EXPECT_EQ(*social.folder(kCat, thread), core::Folder::requests);
}

}  // namespace
}  // namespace iris::sync
