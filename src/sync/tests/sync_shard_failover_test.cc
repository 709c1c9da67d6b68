// SyncShard and what a replicated store's failures make it learn late: a change of every
// queue's epoch at run time (the failover generation, QueueStore::epoch_generation: users
// already loaded get their new epoch, so their devices resync instead of silently missing
// updates), and an append answered `unavailable` that committed after all (pushed once a
// retry finds it committed).
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <utility>

#include "core/testing/random_updates.h"
#include "store/errc.h"
#include "store/memory/memory_queue_store.h"
#include "sync/sync_shard.h"
#include "wire/codec.h"

namespace iris::sync {
namespace {

using core::Seq;
using core::ThreadId;
using core::UserId;

// The in-memory model with a failover generation, as the MariaDB store reports it: each
// queue's epoch mixed with the generation, and epoch_generation() the generation; and with
// appends whose answer is lost (committed, answered unavailable), as after a lost COMMIT reply.
class FailoverStore final : public store::QueueStore {
 public:
  std::uint64_t generation = 0;
  bool lose_next_answer = false;

  void async_append(store::AppendRequest r, AppendCallback done) override {
    if (!std::exchange(lose_next_answer, false)) return model_->async_append(std::move(r), std::move(done));
    model_->async_append(std::move(r), [done = std::move(done)](Result<store::AppendResult> committed) {
      ASSERT_TRUE(committed);
      done(fail(store::errc::unavailable));
    });
  }
  void async_advance_cursor(UserId u, core::CursorName n, Seq to, SeqCallback done) override {
    model_->async_advance_cursor(u, std::move(n), to, std::move(done));
  }
  void async_trim_to(UserId u, Seq up_to, CountCallback done) override { model_->async_trim_to(u, up_to, std::move(done)); }
  Result<store::QueueInfo> info(UserId u) const override {
    auto i = model_->info(u);
    if (i && i->exists()) i->epoch = core::Epoch{i->epoch.value() ^ (generation * 0x9e3779b97f4a7c15ull)};
    return i;
  }
  Result<std::vector<core::Update>> read(UserId u, Seq from, std::size_t n) const override { return model_->read(u, from, n); }
  Result<std::optional<Seq>> cursor(UserId u, const core::CursorName& n) const override { return model_->cursor(u, n); }
  Result<std::vector<std::pair<core::CursorName, Seq>>> cursors(UserId u) const override { return model_->cursors(u); }
  Result<std::optional<core::IdempotencyRecord>> find(const core::IdempotencyKey& k) const override { return model_->find(k); }
  Result<std::vector<UserId>> users(UserId after, std::size_t n) const override { return model_->users(after, n); }
  std::uint64_t epoch_generation() const override { return generation; }

 private:
  std::unique_ptr<store::QueueStore> model_ = store::make_memory_queue_store();
};

struct Sink final : DeviceSink {
  std::map<ConnId, std::vector<wire::Message>> pushes;
  std::map<ConnId, std::vector<wire::Message>> signals;
  void push(ConnId conn, std::string payload, std::uint64_t) override {
    pushes[conn].push_back(wire::decode<wire::Message>(payload).value());
  }
  std::vector<std::optional<wire::ErrorCode>> replies;
  void reply(ConnId, RequestTag, std::optional<wire::ErrorCode> error, std::string) override {
    replies.push_back(error);
  }
  void signal(ConnId conn, std::string payload) override {
    signals[conn].push_back(wire::decode<wire::Message>(payload).value());
  }
  bool tracing(UserId) override { return false; }
  void trace(UserId, std::string) override {}
  void revoke_thread(UserId, ThreadId) override {}
};

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

constexpr UserId kAnn{1};

class SyncShardFailoverTest : public ::testing::Test {
 protected:
  SyncShardFailoverTest() { router_.shard = &shard_; }

  void append(std::string text) {
    store::AppendRequest r;
    r.entries.push_back({kAnn, core::testing::message(ThreadId{7}, kAnn, std::move(text))});
    shard_.on_appended(kAnn, [&] {
      auto u = r.entries.front().update;
      u.seq = store_.append(std::move(r)).value().positions.front().seq;
      return u;
    }());
    router_.run();
  }
  void resume(ConnId conn, core::Epoch epoch, Seq last) {
    shard_.on_request(conn, RequestTag{next_tag_++}, Encoding::thrift_compact,
                      wire::encode(wire::Message{wire::ResumeRequest{epoch, last, 0}}));
    router_.run();
  }
  const wire::Resync* last_resync(ConnId conn) {
    if (sink_.pushes[conn].empty()) return nullptr;
    return std::get_if<wire::Resync>(&sink_.pushes[conn].back());
  }

  SyncOptions options_;
  FailoverStore store_;
  Router router_;
  Sink sink_;
  core::Timestamp now_{};
  SyncShard shard_{0, options_, store_, router_, sink_, [this] { return now_; }};
  std::uint64_t next_tag_ = 1;
};

TEST_F(SyncShardFailoverTest, AStreamingDeviceIsToldToResyncAtTheNewEpochWhenTheGenerationMoves) {
  append("one");
  const core::Epoch old_epoch = store_.info(kAnn).value().epoch;
  shard_.on_connected(ConnId{1}, kAnn, core::DeviceId{"d1"});
  resume(ConnId{1}, old_epoch, Seq{1});  // current: a live stream, nothing to catch up
  EXPECT_EQ(last_resync(ConnId{1}), nullptr);

  store_.generation = 1;  // the failover monitor promoted a replica that may lack writes
  append("two");          // the first news of it: an append committed in the new generation
  const wire::Resync* r = last_resync(ConnId{1});
  ASSERT_NE(r, nullptr) << "the live stream must not go on at the old epoch";
  EXPECT_EQ(r->reason, wire::ResyncReason::epoch_changed);
  EXPECT_NE(r->epoch, old_epoch);
  EXPECT_EQ(r->epoch, store_.info(kAnn).value().epoch);
  EXPECT_EQ(r->head, Seq{2});
}

TEST_F(SyncShardFailoverTest, ALoadedUsersDeviceResumingAtTheOldEpochIsToldEpochChanged) {
  append("one");
  const core::Epoch old_epoch = store_.info(kAnn).value().epoch;
  shard_.on_connected(ConnId{1}, kAnn, core::DeviceId{"d1"});
  resume(ConnId{1}, old_epoch, Seq{1});  // loads Ann's queue at the old epoch
  shard_.on_disconnected(ConnId{1});

  store_.generation = 2;  // no append since: the shard learns it at the next resume
  shard_.on_connected(ConnId{2}, kAnn, core::DeviceId{"d1"});
  resume(ConnId{2}, old_epoch, Seq{1});
  const wire::Resync* r = last_resync(ConnId{2});
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->reason, wire::ResyncReason::epoch_changed);
  EXPECT_EQ(r->epoch, store_.info(kAnn).value().epoch);
}

TEST_F(SyncShardFailoverTest, HeartbeatsCarryTheNewEpochAfterTheGenerationMoves) {
  append("one");
  const core::Epoch old_epoch = store_.info(kAnn).value().epoch;
  shard_.on_connected(ConnId{1}, kAnn, core::DeviceId{"d1"});
  shard_.on_connected(ConnId{2}, kAnn, core::DeviceId{"d2"});
  resume(ConnId{1}, old_epoch, Seq{1});
  store_.generation = 3;
  shard_.on_keep_alive(ConnId{1});  // the stream ends with a Resync: no heartbeat at the old epoch
  ASSERT_NE(last_resync(ConnId{1}), nullptr);
  EXPECT_EQ(last_resync(ConnId{1})->reason, wire::ResyncReason::epoch_changed);
  for (const auto& m : sink_.signals[ConnId{1}]) {
    if (const auto* h = std::get_if<wire::Heartbeat>(&m)) {
      EXPECT_NE(h->epoch, old_epoch);
    }
  }
}

TEST_F(SyncShardFailoverTest, ASendAnsweredUnavailableThatCommittedIsPushedOnceItsRetryFindsIt) {
  shard_.on_connected(ConnId{1}, kAnn, core::DeviceId{"d1"});
  resume(ConnId{1}, core::Epoch{0}, Seq{0});  // a live stream on an empty queue
  const wire::Message create{wire::CreateThreadRequest{core::ClientMsgId{1, 2}, "t", {}}};
  const auto send = [&] {
    shard_.on_request(ConnId{1}, RequestTag{next_tag_++}, Encoding::thrift_compact, wire::encode(create));
    router_.run();
  };
  store_.lose_next_answer = true;
  send();
  ASSERT_EQ(sink_.replies.size(), 2u);  // the resume's, then the send's
  EXPECT_TRUE(sink_.replies.back().has_value()) << "answered unavailable";
  const auto batches = [&] {
    std::size_t n = 0;
    for (const auto& m : sink_.pushes[ConnId{1}]) n += std::holds_alternative<wire::DeltaBatch>(m);
    return n;
  };
  EXPECT_EQ(batches(), 0u) << "the shard never saw the append";
  send();  // the client's retry: the idempotency record answers it
  EXPECT_FALSE(sink_.replies.back().has_value());
  ASSERT_EQ(batches(), 1u) << "the committed append reaches the device with the retry";
  const auto& batch = std::get<wire::DeltaBatch>(sink_.pushes[ConnId{1}].back());
  EXPECT_EQ(batch.first_seq, Seq{1});
  EXPECT_EQ(batch.last_seq, Seq{1});
  send();  // a retry of what the shard has seen pushes nothing again
  EXPECT_EQ(batches(), 1u);
}

}  // namespace
}  // namespace iris::sync
