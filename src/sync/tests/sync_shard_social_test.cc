// The social policy on SyncShard's request path (sync_shard_social.cc): two shards over the
// in-memory queue store and an in-memory social store, requests answered through request().
#include "sync/sync_shard.h"

#include <gtest/gtest.h>

#include <deque>

#include "store/memory/memory_queue_store.h"
#include "store/social/social_store.h"

namespace iris::sync {
namespace {

using core::Folder;
using core::Seq;
using core::ThreadId;
using core::UserId;

struct NullSink final : DeviceSink {
  void push(ConnId, std::string, std::uint64_t) override {}
  void reply(ConnId, RequestTag, std::optional<wire::ErrorCode>, std::string) override {}
  void signal(ConnId, std::string) override {}
  bool tracing(UserId) override { return false; }
  void trace(UserId, std::string) override {}
  void revoke_thread(UserId, ThreadId) override {}
};

struct QueueRouter final : ShardRouter {
  std::vector<SyncShard*> shards;
  std::deque<std::pair<SyncShard*, std::function<void(SyncShard&)>>> tasks;
  void to_owner(UserId user, std::function<void(SyncShard&)> fn) override {
    tasks.emplace_back(shards[user.value() % shards.size()], std::move(fn));
  }
  void to_shard(std::uint32_t shard, std::function<void(SyncShard&)> fn) override {
    tasks.emplace_back(shards[shard], std::move(fn));
  }
  void run() {
    while (!tasks.empty()) {
      auto [s, fn] = std::move(tasks.front());
      tasks.pop_front();
      fn(*s);
    }
  }
};

constexpr UserId kAnn{1}, kBob{2}, kCarol{3};

class SyncShardSocialTest : public ::testing::Test {
 protected:
  SyncShardSocialTest() {
    for (std::uint32_t i = 0; i < 2; ++i) {
      shards_.push_back(std::make_unique<SyncShard>(i, options_, *store_, router_, sink_, [] {
        return core::Timestamp{std::chrono::milliseconds{1'800'000'000'000}};
      }));
      router_.shards.push_back(shards_.back().get());
      shards_.back()->attach_social(*social_);
    }
  }
  SyncShard& owner(UserId u) { return *shards_[u.value() % 2]; }

  SyncShard::Outcome ask(UserId user, const wire::Message& m) {
    std::optional<SyncShard::Outcome> out;
    owner(user).request(user, m, [&](SyncShard::Outcome o) { out = std::move(o); });
    router_.run();
    EXPECT_TRUE(out.has_value());
    return out.value_or(wire::Error{});
  }
  core::ClientMsgId id() { return core::ClientMsgId{7, ++next_id_}; }
  ThreadId create(UserId creator, std::vector<UserId> others) {
    auto out = ask(creator, wire::CreateThreadRequest{id(), "t", std::move(others)});
    return std::get<wire::SendResult>(out).thread;
  }
  std::optional<wire::ErrorCode> refusal(const SyncShard::Outcome& o) {
    if (const auto* e = std::get_if<wire::Error>(&o)) return e->code;
    return std::nullopt;
  }
  wire::Message social(wire::SocialAction action, UserId user = {}, ThreadId thread = {},
                       core::GroupAdd group_add = core::GroupAdd::contacts) {
    return wire::SocialRequest{id(), action, user, thread, group_add};
  }
  std::vector<core::Update> queue(UserId u) { return store_->read(u, Seq{1}, 1000).value(); }
  Folder folder_in_snapshot(UserId u, ThreadId t) {
    const auto snap = owner(u).snapshot(u);
    if (!snap) {
      ADD_FAILURE() << snap.error().message();
      return Folder::inbox;
    }
    for (const auto& ts : snap->threads) {
      if (ts.thread == t) return ts.folder;
    }
    ADD_FAILURE() << "thread not in the snapshot";
    return Folder::inbox;
  }

  SyncOptions options_;
  std::unique_ptr<store::QueueStore> store_ = store::make_memory_queue_store();
  std::unique_ptr<store::SocialStore> social_ = store::SocialStore::open(":memory:").value();
  QueueRouter router_;
  NullSink sink_;
  std::vector<std::unique_ptr<SyncShard>> shards_;
  std::uint64_t next_id_ = 0;
};

TEST_F(SyncShardSocialTest, AThreadFromAStrangerLandsInTheRecipientsRequestsUntilAccepted) {
  const ThreadId t = create(kAnn, {kBob});
  // The queue gets the thread alone: devices derive the folder from its starter (a
  // non-contact), so a thread costs its recipients no more updates than before.
  const auto bob = queue(kBob);
  ASSERT_EQ(bob.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<core::ThreadCreated>(bob[0].body));
  EXPECT_EQ(folder_in_snapshot(kBob, t), Folder::requests);
  EXPECT_EQ(folder_in_snapshot(kAnn, t), Folder::inbox) << "the starter's own thread is in its inbox";

  EXPECT_FALSE(refusal(ask(kBob, social(wire::SocialAction::accept, {}, t))));
  EXPECT_EQ(queue(kBob).back().body, core::UpdateBody{core::FolderChanged{Folder::inbox}});
  EXPECT_EQ(folder_in_snapshot(kBob, t), Folder::inbox);
}

TEST_F(SyncShardSocialTest, AThreadFromAContactLandsInTheInbox) {
  EXPECT_FALSE(refusal(ask(kBob, social(wire::SocialAction::add_contact, kAnn))));
  const ThreadId t = create(kAnn, {kBob});
  EXPECT_EQ(queue(kBob).size(), 2u);  // ContactChanged, ThreadCreated: no folder change
  EXPECT_EQ(folder_in_snapshot(kBob, t), Folder::inbox);
  const auto snap = owner(kBob).snapshot(kBob).value();
  EXPECT_EQ(snap.contacts, std::vector<UserId>{kAnn});
}

TEST_F(SyncShardSocialTest, ABlockedSenderIsRefusedInAThreadOfTwoAndSkippedInAGroup) {
  EXPECT_FALSE(refusal(ask(kBob, social(wire::SocialAction::add_contact, kAnn))));
  EXPECT_FALSE(refusal(ask(kCarol, social(wire::SocialAction::add_contact, kAnn))));
  const ThreadId pair = create(kAnn, {kBob});
  const ThreadId group = create(kAnn, {kBob, kCarol});
  EXPECT_FALSE(refusal(ask(kBob, social(wire::SocialAction::block, kAnn))));
  const auto bob_before = queue(kBob).size();

  EXPECT_EQ(refusal(ask(kAnn, wire::SendRequest{id(), pair, "hi", std::nullopt})), wire::ErrorCode::not_participant)
      << "an unnegotiated peer gets the closest code it knows";
  EXPECT_FALSE(refusal(ask(kAnn, wire::SendRequest{id(), group, "all", std::nullopt})));
  EXPECT_EQ(queue(kBob).size(), bob_before) << "nothing reaches the one who blocked";
  EXPECT_TRUE(std::holds_alternative<core::MessageCreated>(queue(kCarol).back().body));
  EXPECT_TRUE(refusal(ask(kAnn, wire::CreateThreadRequest{id(), "again", {kBob}})));

  EXPECT_FALSE(refusal(ask(kBob, social(wire::SocialAction::unblock, kAnn))));
  EXPECT_FALSE(refusal(ask(kAnn, wire::SendRequest{id(), pair, "hi", std::nullopt})));
}

TEST_F(SyncShardSocialTest, TheRefusalOfAVersion6PeerIsNotAccepted) {
  EXPECT_FALSE(refusal(ask(kBob, social(wire::SocialAction::block, kAnn))));
  std::optional<SyncShard::Outcome> out;
  owner(kAnn).request(kAnn, wire::CreateThreadRequest{id(), "t", {kBob}},
                      [&](SyncShard::Outcome o) { out = std::move(o); }, std::nullopt,
                      RequestPeer{std::nullopt, 6});
  router_.run();
  ASSERT_TRUE(out);
  EXPECT_EQ(refusal(*out), wire::ErrorCode::not_accepted);
  EXPECT_EQ(std::get<wire::Error>(*out).text.find("block"), std::string::npos);
}

TEST_F(SyncShardSocialTest, GroupAddsFollowTheAddedUsersSetting) {
  const ThreadId t = create(kAnn, {kBob});
  const wire::ChangeParticipantsRequest add{id(), t, {kCarol}, {}};
  EXPECT_TRUE(refusal(ask(kAnn, add))) << "contacts only, by default";
  EXPECT_FALSE(refusal(ask(kCarol, social(wire::SocialAction::set_group_add, {}, {}, core::GroupAdd::anyone))));
  EXPECT_FALSE(refusal(ask(kAnn, wire::ChangeParticipantsRequest{id(), t, {kCarol}, {}})));
  EXPECT_EQ(folder_in_snapshot(kCarol, t), Folder::requests);
  EXPECT_FALSE(refusal(ask(kCarol, social(wire::SocialAction::set_group_add, {}, {}, core::GroupAdd::nobody))));
  EXPECT_TRUE(refusal(ask(kAnn, wire::CreateThreadRequest{id(), "g", {kBob, kCarol}})));
}

TEST_F(SyncShardSocialTest, ARetriedSocialRequestWritesNothingAgain) {
  const wire::SocialRequest first{id(), wire::SocialAction::add_contact, kAnn, {}, {}};
  EXPECT_FALSE(refusal(ask(kBob, first)));
  EXPECT_FALSE(refusal(ask(kBob, social(wire::SocialAction::remove_contact, kAnn))));
  EXPECT_FALSE(refusal(ask(kBob, first)));  // the retry answers the first result
  EXPECT_EQ(social_->relation(kBob, kAnn).value(), core::Relation::none);
  EXPECT_EQ(queue(kBob).size(), 2u);
}

TEST_F(SyncShardSocialTest, FolderRequestsNeedAThreadOfTheRequester) {
  const ThreadId t = create(kAnn, {kBob});
  EXPECT_EQ(refusal(ask(kCarol, social(wire::SocialAction::archive, {}, t))), wire::ErrorCode::unknown_thread);
  EXPECT_EQ(refusal(ask(kBob, social(wire::SocialAction::add_contact, kBob))), wire::ErrorCode::invalid_request);
}

}  // namespace
}  // namespace iris::sync
