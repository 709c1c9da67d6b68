// SyncShard following a change of every queue's epoch at run time (the replicated store's
// failover generation, QueueStore::epoch_generation): users already loaded get their new
// epoch, so their devices resync instead of silently missing updates.
#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "core/testing/random_updates.h"
#include "store/memory/memory_queue_store.h"
#include "sync/sync_shard.h"
#include "wire/codec.h"

namespace iris::sync {
namespace {

using core::Seq;
using core::ThreadId;
using core::UserId;

// The in-memory model with a failover generation, as the MariaDB store reports it: each
// queue's epoch mixed with the generation, and epoch_generation() the generation.
class GenerationStore final : public store::QueueStore {
 public:
  std::uint64_t generation = 0;

  void async_append(store::AppendRequest r, AppendCallback done) override { model_->async_append(std::move(r), std::move(done)); }
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
  void reply(ConnId, RequestTag, std::optional<wire::ErrorCode>, std::string) override {}
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
  void run() {
    while (!tasks.empty()) {
      auto fn = std::move(tasks.front());
      tasks.pop_front();
      fn(*shard);
    }
  }
};

constexpr UserId kAnn{1};

class SyncShardEpochTest : public ::testing::Test {
 protected:
  SyncShardEpochTest() { router_.shard = &shard_; }

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
  GenerationStore store_;
  Router router_;
  Sink sink_;
  core::Timestamp now_{};
  SyncShard shard_{0, options_, store_, router_, sink_, [this] { return now_; }};
  std::uint64_t next_tag_ = 1;
};

TEST_F(SyncShardEpochTest, AStreamingDeviceIsToldToResyncAtTheNewEpochWhenTheGenerationMoves) {
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

TEST_F(SyncShardEpochTest, ALoadedUsersDeviceResumingAtTheOldEpochIsToldEpochChanged) {
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

TEST_F(SyncShardEpochTest, HeartbeatsCarryTheNewEpochAfterTheGenerationMoves) {
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

}  // namespace
}  // namespace iris::sync
