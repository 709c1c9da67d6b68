// SyncShard end to end without sockets: the in-memory store, two shards behind a queueing
// router (user u is owned by shard u % 2), and a sink that records what devices receive.
#include "sync/sync_shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "store/memory/memory_queue_store.h"
#include "sync/baseline_view.h"
#include "sync/errc.h"
#include "wire/codec.h"
#include "wire/json_codec.h"

namespace iris::sync {
namespace {

using core::Seq;
using core::ThreadId;
using core::UserId;
// Connections by number, as the cases name them.
using Conn = std::uint64_t;

struct Recorder final : DeviceSink, BaselineSink {
  struct Reply {
    std::uint64_t packet_id;
    std::optional<wire::ErrorCode> error;
    std::optional<wire::Message> message;
  };
  std::map<Conn, std::vector<std::pair<std::uint64_t, wire::Message>>> pushes;
  std::map<Conn, std::vector<Reply>> replies;
  std::function<void(Conn)> on_reply;

  void push(ConnId conn, std::string payload, std::uint64_t token) override {
    pushes[conn.value()].emplace_back(token, wire::decode<wire::Message>(payload).value());
  }
  void reply(ConnId conn, RequestTag id, std::optional<wire::ErrorCode> error, std::string payload) override {
    std::optional<wire::Message> m;
    if (!payload.empty()) m = wire::decode<wire::Message>(payload).value();
    replies[conn.value()].push_back({id.value(), error, m});
    if (on_reply) on_reply(conn.value());
  }
  std::map<Conn, std::vector<wire::Message>> signals;
  std::set<UserId> traced_users;
  std::map<UserId, std::vector<std::string>> traces;
  std::vector<std::pair<UserId, ThreadId>> revoked;
  void signal(ConnId conn, std::string payload) override {
    signals[conn.value()].push_back(wire::decode<wire::Message>(payload).value());
  }
  bool tracing(UserId user) override { return traced_users.contains(user); }
  void trace(UserId user, std::string json) override { traces[user].push_back(std::move(json)); }
  void revoke_thread(UserId user, ThreadId thread) override { revoked.emplace_back(user, thread); }
  std::set<UserId> baseline_users;
  std::map<UserId, std::vector<std::string>> notifies;
  bool listening(UserId user) override { return baseline_users.contains(user); }
  void notify(UserId user, std::string payload) override {
    notifies[user].push_back(std::move(payload));
  }
};

// The delta batches pushed to `conn`, in order.
std::vector<wire::DeltaBatch> batches_of(Recorder& sink, Conn conn) {
  std::vector<wire::DeltaBatch> out;
  for (auto& [token, m] : sink.pushes[conn]) {
    if (auto* b = std::get_if<wire::DeltaBatch>(&m)) out.push_back(*b);
  }
  return out;
}

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

class SyncShardTest : public ::testing::Test {
 protected:
  SyncShardTest() {
    options_.stream = {.max_inflight = 4, .max_range = 64};
    options_.resyncs = {.burst = 2, .refill = std::chrono::milliseconds{60'000}, .jitter = 0.5};
    for (std::uint32_t i = 0; i < 2; ++i) {
      shards_.push_back(std::make_unique<SyncShard>(i, options_, *store_, router_, sink_, [this] { return now_; }));
      router_.shards.push_back(shards_.back().get());
      shards_.back()->attach_baseline(sink_);
    }
  }
  SyncShard& owner(UserId u) { return *shards_[u.value() % 2]; }

  // Connects device `conn` of `user` and resumes it from (epoch, seq).
  void connect(Conn conn, UserId user, Seq last = Seq{0}, std::optional<core::Epoch> epoch = {},
               std::uint32_t max = 0) {
    owner(user).on_connected(ConnId{conn}, user, core::DeviceId{"d" + std::to_string(conn)});
    const core::Epoch e = epoch.value_or(store_->info(user).value().epoch);
    request(conn, user, wire::ResumeRequest{e, last, max});
  }
  void request(Conn conn, UserId user, const wire::Message& m) {
    owner(user).on_request(ConnId{conn}, RequestTag{next_packet_++}, Encoding::thrift_compact, wire::encode(m));
    router_.run();
  }
  ThreadId create_thread(Conn conn, UserId creator, std::vector<UserId> others) {
    request(conn, creator, wire::CreateThreadRequest{core::ClientMsgId{9, next_packet_}, "t", others});
    auto& r = sink_.replies[conn].back();
    return std::get<wire::SendResult>(*r.message).thread;
  }
  // Acks every delta batch pushed to `conn` that is not yet acked, in order.
  void ack_all(Conn conn, UserId user) {
    for (std::size_t i = acked_[conn]; i < sink_.pushes[conn].size(); i = acked_[conn]) {
      acked_[conn] = i + 1;
      owner(user).on_delivered(ConnId{conn}, sink_.pushes[conn][i].first);
      router_.run();
    }
  }
  // Every update delivered to `conn` by delta batches, checking continuity like a device.
  std::vector<core::Update> delivered(Conn conn, Seq from = Seq{0}) {
    std::vector<core::Update> out;
    Seq at = from;
    for (const auto& b : batches_of(sink_, conn)) {
      EXPECT_EQ(b.first_seq, core::next(at)) << "gap or duplicate at the seam";
      at = b.last_seq;
      out.insert(out.end(), b.updates.begin(), b.updates.end());
    }
    return out;
  }

  SyncOptions options_;
  std::unique_ptr<store::QueueStore> store_ = store::make_memory_queue_store();
  Recorder sink_;
  QueueRouter router_;
  std::vector<std::unique_ptr<SyncShard>> shards_;
  core::Timestamp now_{std::chrono::milliseconds{1'800'000'000'000}};
  std::uint16_t next_packet_ = 1;
  std::map<Conn, std::size_t> acked_;
};

const UserId kAnn{1}, kBob{2}, kEve{3};

TEST_F(SyncShardTest, SendReachesEveryDeviceOfEveryParticipantAfterItIsDurable) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  connect(2, kBob);
  connect(3, kBob, Seq{0});
  connect(4, kAnn);  // Ann's second device
  std::size_t before = sink_.pushes[2].size();
  sink_.on_reply = [&](Conn c) {
    if (c == 1) {
      EXPECT_EQ(store_->info(kBob).value().head, Seq{2}) << "PUBACK before durability";
    }
  };
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{1, 1}, t, "hello", std::nullopt});
  ASSERT_EQ(sink_.replies[1].back().error, std::nullopt);
  const auto& result = std::get<wire::SendResult>(*sink_.replies[1].back().message);
  EXPECT_EQ(result.seq, Seq{2});
  for (Conn c : {2, 3, 4}) {
    auto got = delivered(c);
    ASSERT_FALSE(got.empty()) << "device " << c;
    EXPECT_EQ(std::get<core::MessageCreated>(got.back().body).text, "hello") << "device " << c;
  }
  EXPECT_GT(sink_.pushes[2].size(), before);
}

// In a cell a server may serve a user again after another server appended to the queue (the
// user moved away and came back, or appends committed that this shard never heard of): a
// device that resumes at the store's head is streamed on, not resynced, and one behind it gets
// what the store holds, not only what this shard saw.
TEST_F(SyncShardTest, DeviceResumingPastWhatThisShardSawGetsTheStoresQueueNotAResync) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{1, 1}, t, "here", std::nullopt});
  owner(kAnn).on_disconnected(ConnId{1});
  // Another owner's appends, in the store only.
  for (std::uint64_t i = 2; i <= 3; ++i) {
    store::AppendRequest r;
    r.entries.push_back({kAnn, core::Update{Seq{0}, now_, t, kBob,
                                            core::MessageCreated{core::MessageId{100 + i}, core::ClientMsgId{2, i},
                                                                 "elsewhere " + std::to_string(i), std::nullopt}}});
    ASSERT_TRUE(store_->append(std::move(r)));
  }
  ASSERT_EQ(store_->info(kAnn).value().head, Seq{4});

  connect(2, kAnn, Seq{4});  // resumes where the other owner left it
  connect(3, kAnn, Seq{2});  // behind: must get seqs 3 and 4 from the store
  for (Conn c : {2, 3}) {
    for (const auto& [token, m] : sink_.pushes[c]) {
      EXPECT_FALSE(std::holds_alternative<wire::Resync>(m)) << "device " << c << " was resynced";
    }
  }
  auto behind = delivered(3, Seq{2});
  ASSERT_EQ(behind.size(), 2u);
  EXPECT_EQ(std::get<core::MessageCreated>(behind.back().body).text, "elsewhere 3");

  connect(4, kBob);
  request(4, kBob, wire::SendRequest{core::ClientMsgId{3, 1}, t, "after", std::nullopt});
  ASSERT_EQ(sink_.replies[4].back().error, std::nullopt);
  auto live = delivered(2, Seq{4});
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live.front().seq, Seq{5});
  EXPECT_EQ(std::get<core::MessageCreated>(live.front().body).text, "after");
}

TEST_F(SyncShardTest, DeviceThatSkipsOwnGetsItsRequestsAsResultsOnlyAndLaterBatchesStartAfterThem) {
  connect(1, kAnn);  // Ann's phone: gets everything, its own sends included
  const ThreadId t = create_thread(1, kAnn, {kBob});
  ack_all(1, kAnn);
  owner(kAnn).on_connected(ConnId{2}, kAnn, core::DeviceId{"laptop"});
  request(2, kAnn, wire::ResumeRequest{store_->info(kAnn).value().epoch, Seq{1}, 0, true});
  connect(3, kBob);
  ack_all(3, kBob);

  request(2, kAnn, wire::SendRequest{core::ClientMsgId{1, 1}, t, "from the laptop", std::nullopt});
  const auto own = std::get<wire::SendResult>(*sink_.replies[2].back().message);
  EXPECT_EQ(own.seq, Seq{2});
  EXPECT_TRUE(batches_of(sink_, 2).empty()) << "the result carried it; no echo";
  ASSERT_FALSE(batches_of(sink_, 1).empty());
  EXPECT_EQ(batches_of(sink_, 1).back().last_seq, Seq{2}) << "Ann's other device gets it";
  auto lags = owner(kAnn).cursor_lags();
  std::sort(lags.begin(), lags.end());
  EXPECT_EQ(lags, (std::vector<std::uint64_t>{0, 1})) << "the laptop holds its send; the phone has not acked";
  // Held by the laptop, so its keep-alives stop carrying the head after the first.
  owner(kAnn).on_keep_alive(ConnId{2});
  owner(kAnn).on_keep_alive(ConnId{2});
  EXPECT_EQ(sink_.signals[2].size(), 1u);

  request(3, kBob, wire::SendRequest{core::ClientMsgId{2, 1}, t, "from bob", std::nullopt});
  auto got = batches_of(sink_, 2);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first_seq, Seq{3}) << "starts after the seq the result named";
  ASSERT_EQ(got[0].updates.size(), 1u);
  EXPECT_EQ(std::get<core::MessageCreated>(got[0].updates[0].body).text, "from bob");
  ack_all(2, kAnn);

  // Behind (its window full), the laptop sends, then Bob: the range that reaches both leaves
  // its own update out and says so (folded), still covering every seq.
  for (int i = 0; i < 4; ++i) {
    request(3, kBob, wire::SendRequest{core::ClientMsgId{3, std::uint64_t(i)}, t, "b", std::nullopt});
  }
  request(2, kAnn, wire::SendRequest{core::ClientMsgId{1, 2}, t, "mine", std::nullopt});
  const Seq mine = std::get<wire::SendResult>(*sink_.replies[2].back().message).seq;
  request(3, kBob, wire::SendRequest{core::ClientMsgId{3, 9}, t, "after", std::nullopt});
  ack_all(2, kAnn);
  got = batches_of(sink_, 2);
  Seq at{2};
  std::vector<std::string> texts;
  for (const auto& b : got) {
    EXPECT_EQ(b.first_seq, core::next(at)) << "ranges stay contiguous";
    at = b.last_seq;
    for (const auto& u : b.updates) {
      EXPECT_NE(u.seq, mine);
      texts.push_back(std::get<core::MessageCreated>(u.body).text);
    }
  }
  EXPECT_EQ(at, store_->info(kAnn).value().head);
  EXPECT_EQ(texts, (std::vector<std::string>{"from bob", "b", "b", "b", "b", "after"}));
  EXPECT_TRUE(got.back().folded) << "the batch that covers the laptop's own send lacks it";
}

TEST_F(SyncShardTest, DeviceWithoutAnEpochGetsItsOwnUpdatesToLearnTheEpoch) {
  owner(kAnn).on_connected(ConnId{1}, kAnn, core::DeviceId{"new"});
  request(1, kAnn, wire::ResumeRequest{core::Epoch{0}, Seq{0}, 0, true});
  const ThreadId t = create_thread(1, kAnn, {kBob});
  ASSERT_NE(t, ThreadId{0});
  const auto got = batches_of(sink_, 1);
  ASSERT_EQ(got.size(), 1u) << "its own thread creation, with the epoch";
  EXPECT_EQ(got[0].epoch, store_->info(kAnn).value().epoch);
}

TEST_F(SyncShardTest, RetriedSendWithTheSameClientIdAppearsOnce) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  const wire::SendRequest send{core::ClientMsgId{7, 7}, t, "once", std::nullopt};
  request(1, kAnn, send);
  const auto first = std::get<wire::SendResult>(*sink_.replies[1].back().message);
  request(1, kAnn, send);
  const auto again = std::get<wire::SendResult>(*sink_.replies[1].back().message);
  EXPECT_EQ(again.seq, first.seq);
  EXPECT_EQ(again.message, first.message);
  EXPECT_EQ(store_->info(kBob).value().head, Seq{2}) << "thread created + one message";
}

TEST_F(SyncShardTest, OutsidersSendIsRefusedWithAReason) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob, kEve});
  connect(5, kEve);
  request(1, kAnn, wire::ChangeParticipantsRequest{core::ClientMsgId{1, 9}, t, {}, {kEve}});
  request(5, kEve, wire::SendRequest{core::ClientMsgId{1, 2}, t, "let me in", std::nullopt});
  const auto& r = sink_.replies[5].back();
  EXPECT_EQ(r.error, wire::ErrorCode::not_participant) << "removed: knows the thread, may not write";
  ASSERT_TRUE(r.message);
  EXPECT_EQ(std::get<wire::Error>(*r.message).code, wire::ErrorCode::not_participant);
  EXPECT_FALSE(std::get<wire::Error>(*r.message).text.empty());
  // A user who never was in the thread does not even learn that it exists.
  const UserId stranger{5};
  connect(7, stranger);
  request(7, stranger, wire::SendRequest{core::ClientMsgId{1, 3}, t, "hi?", std::nullopt});
  EXPECT_EQ(sink_.replies[7].back().error, wire::ErrorCode::unknown_thread);
  EXPECT_EQ(store_->info(kBob).value().head, Seq{2}) << "created + Eve removed; no message";
}

TEST_F(SyncShardTest, OfflineDeviceCatchesUpFoldedWithoutGapThenGoesLive) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  for (int i = 0; i < 1000; ++i) {
    now_ += std::chrono::milliseconds{20};  // within the default per-connection rate (50/s)
    request(1, kAnn, wire::SendRequest{core::ClientMsgId{2, static_cast<std::uint64_t>(i)}, t, "m" + std::to_string(i), std::nullopt});
  }
  connect(2, kBob, Seq{0});
  // The window holds back most of the backlog until the device acks.
  EXPECT_LE(sink_.pushes[2].size(), options_.stream.max_inflight);
  ack_all(2, kBob);
  auto got = delivered(2);
  EXPECT_EQ(got.size(), 1001u);
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{3, 1}, t, "live", std::nullopt});
  ack_all(2, kBob);
  got = delivered(2);
  ASSERT_EQ(got.size(), 1002u);
  EXPECT_EQ(got.back().seq, Seq{1002});
  for (std::size_t i = 1; i < got.size(); ++i) EXPECT_LT(got[i - 1].seq, got[i].seq);
}

TEST_F(SyncShardTest, DeviceCursorIsWrittenOnceItLagsByTheConfiguredSeqsAndOnDisconnect) {
  options_.stream.cursor_write_lag = 5;  // the shards read options_ by reference
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  connect(2, kBob);  // resumes from 0: the thread's creation (seq 1) comes as catch-up
  const auto cursor = [&] {
    return store_->cursor(kBob, core::CursorName::device(core::DeviceId{"d2"})).value();
  };
  auto send = [&](std::uint64_t i) {
    request(1, kAnn, wire::SendRequest{core::ClientMsgId{4, i}, t, "m", std::nullopt});
    ack_all(2, kBob);
  };
  for (std::uint64_t i = 0; i < 3; ++i) send(i);  // acked up to seq 4
  EXPECT_EQ(cursor(), std::nullopt) << "written before lagging by 5";
  send(3);  // acked up to 5
  EXPECT_EQ(cursor(), Seq{5});
  for (std::uint64_t i = 4; i < 7; ++i) send(i);  // acked up to 8
  EXPECT_EQ(cursor(), Seq{5});
  owner(kBob).on_disconnected(ConnId{2});
  router_.run();
  EXPECT_EQ(cursor(), Seq{8}) << "the final position is written when the device leaves";
}

TEST_F(SyncShardTest, UserWhoMovedAwayAndCameBackIsReadAgainNotServedFromStaleState) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  connect(2, kBob);
  ack_all(2, kBob);
  owner(kBob).on_disconnected(ConnId{2});
  router_.run();
  // Bob moves to another server of the cell (same store), which appends to his queue.
  SyncShard other(0, options_, *store_, router_, sink_, [this] { return now_; });
  other.attach_baseline(sink_);
  const std::vector<SyncShard*> here = router_.shards;
  router_.shards = {&other};
  owner(kBob).forget_users([](UserId u) { return u == kBob; });
  other.on_connected(ConnId{9}, kAnn, core::DeviceId{"elsewhere"});
  other.on_request(ConnId{9}, RequestTag{next_packet_++}, Encoding::thrift_compact,
                   wire::encode(wire::Message{wire::ResumeRequest{store_->info(kAnn).value().epoch, Seq{0}, 0}}));
  router_.run();
  for (std::uint64_t i = 0; i < 3; ++i) {
    other.on_request(ConnId{9}, RequestTag{next_packet_++}, Encoding::thrift_compact,
                     wire::encode(wire::Message{wire::SendRequest{core::ClientMsgId{7, i}, t, "elsewhere", std::nullopt}}));
    router_.run();
  }
  const auto head = store_->info(kBob).value().head;
  ASSERT_EQ(head, Seq{4});
  // Bob comes back here; his device resumes at the head the other server gave it.
  router_.shards = here;
  connect(3, kBob, head);
  const auto* resync = sink_.pushes[3].empty() ? nullptr : std::get_if<wire::Resync>(&sink_.pushes[3].back().second);
  EXPECT_EQ(resync, nullptr) << "a stale head (1) here would answer epoch_changed to a device at 4; got reason "
                             << (resync ? static_cast<int>(resync->reason) : -1) << " head "
                             << (resync ? resync->head.value() : 0);
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{1, 9}, t, "back home", std::nullopt});
  const auto got = delivered(3, head);
  ASSERT_EQ(got.size(), 1u) << "the next update, from the store's head, not the stale memory tier";
  EXPECT_EQ(got[0].seq, Seq{5});
}

TEST_F(SyncShardTest, AnswersResyncForEachReasonAndRateLimitsThem) {
  connect(1, kAnn);
  create_thread(1, kAnn, {kBob});
  const core::Epoch epoch = store_->info(kBob).value().epoch;
  auto last_resync = [&](Conn c) { return std::get<wire::Resync>(sink_.pushes[c].back().second); };
  connect(2, kBob, Seq{0}, core::Epoch{epoch.value() + 1});
  EXPECT_EQ(last_resync(2).reason, wire::ResyncReason::epoch_changed);
  EXPECT_EQ(last_resync(2).epoch, epoch);
  connect(3, kBob, Seq{5}, epoch);
  EXPECT_EQ(last_resync(3).reason, wire::ResyncReason::epoch_changed) << "ahead of the head";
  connect(4, kBob, Seq{0}, epoch, /*max=*/0);
  EXPECT_TRUE(std::holds_alternative<wire::DeltaBatch>(sink_.pushes[4].back().second));
  connect(6, kBob, Seq{0}, core::Epoch{1});
  EXPECT_EQ(last_resync(6).reason, wire::ResyncReason::temporary) << "third resync in a minute";
  ASSERT_TRUE(last_resync(6).retry_after);
  EXPECT_GE(*last_resync(6).retry_after, std::chrono::milliseconds{30'000});
}

TEST_F(SyncShardTest, BacklogOverTheDevicesCapacityIsResyncedNotPartiallySent) {
  connect(1, kAnn);
  // Two busy threads: leaving out either one still leaves more than the device takes.
  for (const ThreadId t : {create_thread(1, kAnn, {kBob}), create_thread(1, kAnn, {kBob})}) {
    for (int i = 0; i < 10; ++i) {
      request(1, kAnn, wire::SendRequest{core::ClientMsgId{4, next_packet_}, t, "x", std::nullopt});
    }
  }
  connect(2, kBob, Seq{0}, store_->info(kBob).value().epoch, /*max=*/10);
  ASSERT_EQ(sink_.pushes[2].size(), 1u);
  const auto& r = std::get<wire::Resync>(sink_.pushes[2].back().second);
  EXPECT_EQ(r.reason, wire::ResyncReason::backlog_too_large);
  EXPECT_EQ(r.thread, std::nullopt);
}

TEST_F(SyncShardTest, BacklogTooLargeBecauseOfOneThreadIsResyncedForThatThreadOnly) {
  connect(1, kAnn);
  const ThreadId busy = create_thread(1, kAnn, {kBob});
  const ThreadId quiet = create_thread(1, kAnn, {kBob});
  for (int i = 0; i < 30; ++i) {
    request(1, kAnn, wire::SendRequest{core::ClientMsgId{4, next_packet_}, busy, "x", std::nullopt});
  }
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{4, next_packet_}, quiet, "q", std::nullopt});
  const Seq head = store_->info(kBob).value().head;  // 33
  connect(2, kBob, Seq{0}, store_->info(kBob).value().epoch, /*max=*/10);
  ASSERT_FALSE(sink_.pushes[2].empty());
  const auto& r = std::get<wire::Resync>(sink_.pushes[2].front().second);
  EXPECT_EQ(r.reason, wire::ResyncReason::backlog_too_large);
  EXPECT_EQ(r.thread, busy);
  EXPECT_EQ(r.head, head);
  ack_all(2, kBob);
  const auto got = delivered(2);  // checks the batches cover 1..head without a gap
  ASSERT_EQ(got.size(), 2u) << "the quiet thread's creation and message, nothing of the busy one";
  for (const auto& u : got) EXPECT_EQ(u.thread, quiet);
  EXPECT_EQ(std::get<wire::DeltaBatch>(sink_.pushes[2].back().second).last_seq, head);
  // Live updates of the busy thread flow again after the catch-up.
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{4, next_packet_}, busy, "live", std::nullopt});
  ack_all(2, kBob);
  EXPECT_EQ(delivered(2).back().thread, busy);
  EXPECT_EQ(owner(kBob).stats().resyncs, 0u) << "not a full resync: no budget spent";
}

TEST_F(SyncShardTest, KeepAliveOfAStreamingDeviceCarriesTheHead) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  owner(kBob).on_connected(ConnId{2}, kBob, core::DeviceId{"not-resumed"});
  owner(kBob).on_keep_alive(ConnId{2});
  EXPECT_TRUE(sink_.signals[2].empty()) << "no stream, nothing to report";
  connect(3, kBob);
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{8, 1}, t, "x", std::nullopt});
  owner(kBob).on_keep_alive(ConnId{3});
  ASSERT_EQ(sink_.signals[3].size(), 1u);
  const auto& hb = std::get<wire::Heartbeat>(sink_.signals[3][0]);
  EXPECT_EQ(hb.head, Seq{2});
  EXPECT_EQ(hb.epoch, store_->info(kBob).value().epoch);
}

TEST_F(SyncShardTest, KeepAliveOfADeviceHoldingTheHeadGetsNoHeartbeatAfterTheFirst) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  connect(3, kBob);
  ack_all(3, kBob);
  owner(kBob).on_keep_alive(ConnId{3});
  ASSERT_EQ(sink_.signals[3].size(), 1u) << "the first keep-alive after a resume tells the head";
  owner(kBob).on_keep_alive(ConnId{3});
  EXPECT_EQ(sink_.signals[3].size(), 1u) << "acknowledged up to the head: nothing to tell";
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{8, 1}, t, "x", std::nullopt});
  owner(kBob).on_keep_alive(ConnId{3});
  ASSERT_EQ(sink_.signals[3].size(), 2u) << "a delta is not acknowledged yet: behind the head";
  EXPECT_EQ(std::get<wire::Heartbeat>(sink_.signals[3][1]).head, Seq{2});
  ack_all(3, kBob);
  owner(kBob).on_keep_alive(ConnId{3});
  EXPECT_EQ(sink_.signals[3].size(), 2u);
  EXPECT_EQ(owner(kBob).stats().heartbeats_elided, 2u);
  // A new resume (a reconnect), even one at the head, tells the head once more.
  connect(3, kBob, Seq{2});
  owner(kBob).on_keep_alive(ConnId{3});
  EXPECT_EQ(sink_.signals[3].size(), 3u);
}

TEST_F(SyncShardTest, TraceMirrorsEachAppendOnlyWhileSomeoneFollows) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  connect(2, kBob);
  EXPECT_TRUE(sink_.traces[kBob].empty());
  sink_.traced_users.insert(kBob);
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{8, 2}, t, "traced", std::nullopt});
  ASSERT_EQ(sink_.traces[kBob].size(), 1u);
  const std::string& json = sink_.traces[kBob][0];
  EXPECT_NE(json.find(R"({"delta_batch":{)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("first_seq":"2","last_seq":"2")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("text":"traced")"), std::string::npos) << json;
  EXPECT_TRUE(sink_.traces[kAnn].empty()) << "only followed users are traced";
  // A followed user with no device (so no state) on its shard is traced too.
  sink_.traced_users.insert(kEve);
  const ThreadId t2 = create_thread(1, kAnn, {kEve});
  ASSERT_EQ(sink_.traces[kEve].size(), 1u);
  EXPECT_NE(sink_.traces[kEve][0].find(R"("thread_created")"), std::string::npos);
  EXPECT_NE(sink_.traces[kEve][0].find(std::to_string(t2.value())), std::string::npos);
}

// The bandwidth benchmark's legacy pull baseline (sync/baseline_view.h).
TEST_F(SyncShardTest, BaselineListenersHearOfEveryChangedThreadAndOthersCostNothing) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  sink_.baseline_users.insert(kBob);
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{8, 3}, t, "ping", std::nullopt});
  request(1, kAnn, wire::ReadRequest{t, core::MessageId{1}});
  const std::string expected = baseline_notify(t, kAnn);
  EXPECT_EQ(sink_.notifies[kBob], (std::vector<std::string>{expected, expected}))
      << "one notify per update, even for a user with no device on its shard";
  EXPECT_TRUE(sink_.notifies[kAnn].empty()) << "nobody listens for Ann";
}

TEST_F(SyncShardTest, WithoutABaselineSinkAppendsAskNobodyAboutTheBaseline) {
  SyncShard plain(0, options_, *store_, router_, sink_, [this] { return now_; });
  sink_.baseline_users.insert(kBob);
  core::Update u;
  u.seq = Seq{1};
  u.thread = ThreadId{5};
  u.actor = kAnn;
  u.body = core::ThreadRenamed{"x"};
  plain.on_appended(kBob, u);
  EXPECT_TRUE(sink_.notifies[kBob].empty()) << "the live path pays nothing for the benchmark's baseline";
  owner(kBob).on_appended(kBob, u);
  EXPECT_EQ(sink_.notifies[kBob].size(), 1u) << "the same append with the sink installed";
}

TEST_F(SyncShardTest, BaselineViewsAreTheUsersConversationAndInbox) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{8, 4}, t, "lunch?", std::nullopt});
  const auto view = owner(kBob).baseline_view(kBob, t);
  ASSERT_TRUE(view.has_value()) << view.error().message();
  const auto snap = std::get<wire::Snapshot>(wire::decode_json<wire::Message>(*view).value());
  EXPECT_EQ(snap.seq, Seq{2});
  ASSERT_EQ(snap.threads.size(), 1u);
  ASSERT_EQ(snap.threads[0].latest_messages.size(), 1u);
  EXPECT_EQ(snap.threads[0].latest_messages[0].text, "lunch?");
  EXPECT_EQ(snap.threads[0].unread_count, 1u);
  EXPECT_EQ(owner(kEve).baseline_view(kEve, t).error(), make_error_code(errc::unknown_thread));
  const auto inbox = owner(kAnn).baseline_view(kAnn, std::nullopt);
  ASSERT_TRUE(inbox.has_value());
  EXPECT_EQ(std::get<wire::Snapshot>(wire::decode_json<wire::Message>(*inbox).value()).threads.size(), 1u);
}

TEST_F(SyncShardTest, MembershipFollowsTheInboxAndRemovalRevokesSubscriptions) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob, kEve});
  EXPECT_TRUE(owner(kEve).is_participant(kEve, t));
  EXPECT_TRUE(owner(kAnn).is_participant(kAnn, t));
  EXPECT_FALSE(owner(UserId{5}).is_participant(UserId{5}, t));
  request(1, kAnn, wire::ChangeParticipantsRequest{core::ClientMsgId{1, 9}, t, {}, {kEve}});
  EXPECT_FALSE(owner(kEve).is_participant(kEve, t));
  EXPECT_TRUE(owner(kBob).is_participant(kBob, t));
  ASSERT_EQ(sink_.revoked.size(), 1u);
  EXPECT_EQ(sink_.revoked[0], std::make_pair(kEve, t));
}

TEST_F(SyncShardTest, StalledDeviceDoesNotSlowAHealthyOne) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  connect(2, kBob);  // never acks
  connect(3, kBob);  // acks everything
  for (int i = 0; i < 300; ++i) {
    request(1, kAnn, wire::SendRequest{core::ClientMsgId{5, static_cast<std::uint64_t>(i)}, t, "x", std::nullopt});
    ack_all(3, kBob);
  }
  EXPECT_EQ(delivered(3).size(), 301u) << "the healthy device got everything";
  std::size_t stalled_batches = 0;
  for (auto& [tok, m] : sink_.pushes[2]) stalled_batches += std::holds_alternative<wire::DeltaBatch>(m);
  EXPECT_LE(stalled_batches, options_.stream.max_inflight) << "the stalled one holds only its window";
}

TEST_F(SyncShardTest, SnapshotIsExactAtItsSeq) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{6, 1}, t, "one", std::nullopt});
  auto snap = owner(kBob).snapshot(kBob);
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->seq, Seq{2});
  EXPECT_EQ(snap->epoch, store_->info(kBob).value().epoch);
  ASSERT_EQ(snap->threads.size(), 1u);
  EXPECT_EQ(snap->threads[0].unread_count, 1u);
  EXPECT_EQ(snap->threads[0].latest_messages.back().text, "one");
}

// The request path without a device (what HTTP uses): the completion carries the outcome.
TEST_F(SyncShardTest, RequestWithoutADeviceCreatesAThreadThatParticipantsSee) {
  connect(2, kBob);
  std::optional<SyncShard::Outcome> outcome;
  owner(kAnn).request(kAnn, wire::CreateThreadRequest{core::ClientMsgId{1, 1}, "trip", {kBob}},
                      [&](SyncShard::Outcome o) { outcome = std::move(o); });
  EXPECT_FALSE(outcome) << "answered before the append was durable";
  router_.run();
  ASSERT_TRUE(outcome);
  const auto* result = std::get_if<wire::SendResult>(&*outcome);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->seq, Seq{1});
  EXPECT_TRUE(owner(kAnn).is_participant(kAnn, result->thread)) << "the creator is a participant";
  EXPECT_TRUE(owner(kBob).is_participant(kBob, result->thread));
  bool bob_saw_it = false;
  for (const auto& u : delivered(2)) bob_saw_it |= std::holds_alternative<core::ThreadCreated>(u.body);
  EXPECT_TRUE(bob_saw_it);
}

TEST_F(SyncShardTest, RetriedCreateWithTheSameClientIdReturnsTheFirstThread) {
  const wire::CreateThreadRequest create{core::ClientMsgId{7, 7}, "once", {kBob}};
  std::vector<wire::SendResult> results;
  for (int attempt = 0; attempt < 2; ++attempt) {
    now_ += std::chrono::milliseconds{5};  // a new id would differ
    owner(kAnn).request(kAnn, create, [&](SyncShard::Outcome o) { results.push_back(std::get<wire::SendResult>(o)); });
    router_.run();
  }
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].thread, results[0].thread);
  EXPECT_EQ(results[1].seq, results[0].seq);
  EXPECT_EQ(store_->info(kAnn).value().head, Seq{1}) << "the retry appended nothing";
}

TEST_F(SyncShardTest, RequestRefusesWhatIsNotARequestAndCountsIt) {
  std::vector<SyncShard::Outcome> outcomes;
  auto record = [&](SyncShard::Outcome o) { outcomes.push_back(std::move(o)); };
  owner(kAnn).request(kAnn, wire::ResumeRequest{}, record);
  owner(kAnn).request(kAnn, wire::SendRequest{core::ClientMsgId{1, 2}, ThreadId{99}, "x", std::nullopt}, record);
  router_.run();
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(std::get<wire::Error>(outcomes[0]).code, wire::ErrorCode::invalid_request);
  const auto& refused = std::get<wire::Error>(outcomes[1]);
  EXPECT_NE(refused.code, wire::ErrorCode::internal);
  EXPECT_EQ(refused.client_id, (core::ClientMsgId{1, 2}));
  EXPECT_EQ(owner(kAnn).stats().refused, 2u);
}

TEST_F(SyncShardTest, ThreadPagesWalkBackFromTheNewestWithMore) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  for (std::uint64_t i = 0; i < 5; ++i) {
    now_ += std::chrono::milliseconds{1};
    request(1, kAnn, wire::SendRequest{core::ClientMsgId{8, i}, t, "m" + std::to_string(i), std::nullopt});
  }
  auto newest = owner(kBob).thread_page(kBob, t, std::nullopt, 2);
  ASSERT_TRUE(newest);
  ASSERT_EQ(newest->messages.size(), 2u);
  EXPECT_EQ(newest->messages[0].text, "m3");  // oldest first
  EXPECT_EQ(newest->messages[1].text, "m4");
  EXPECT_TRUE(newest->more);
  auto older = owner(kBob).thread_page(kBob, t, newest->messages[0].message, 10);
  ASSERT_TRUE(older);
  ASSERT_EQ(older->messages.size(), 3u);
  EXPECT_EQ(older->messages[0].text, "m0");
  EXPECT_FALSE(older->more);
  auto exact = owner(kBob).thread_page(kBob, t, newest->messages[0].message, 3);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->messages.size(), 3u);
  EXPECT_FALSE(exact->more) << "nothing older than the page's first";
}

TEST_F(SyncShardTest, ThreadPageOfAThreadTheUserIsNotInIsRefused) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  EXPECT_EQ(owner(kEve).thread_page(kEve, t, std::nullopt, 10).error(), errc::not_participant);
  EXPECT_EQ(owner(kEve).thread_page(kEve, ThreadId{12345}, std::nullopt, 10).error(), errc::not_participant);
}

TEST_F(SyncShardTest, SnapshotTakesTheAskedNumberOfLatestMessages) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  for (std::uint64_t i = 0; i < 3; ++i) {
    now_ += std::chrono::milliseconds{1};
    request(1, kAnn, wire::SendRequest{core::ClientMsgId{4, i}, t, "x", std::nullopt});
  }
  auto snap = owner(kBob).snapshot(kBob, 1);
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->threads.at(0).latest_messages.size(), 1u);
  EXPECT_EQ(snap->threads.at(0).unread_count, 3u);
}

}  // namespace
}  // namespace iris::sync

namespace iris::sync {
namespace {

// Issue 23: ~2,000 sends/s from one connection filled anyone's queue.
TEST_F(SyncShardTest, AFloodingConnectionIsRateLimitedWithARetryAfterWhileOthersSend) {
  options_.rates.connection.sends = {10, 3};  // one token per 100 ms
  options_.rates.user.sends = {100, 5};
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  connect(2, kBob);
  const std::uint64_t stored = store_->info(kBob).value().head.value();
  for (std::uint64_t i = 0; i < 4; ++i) {
    request(1, kAnn, wire::SendRequest{core::ClientMsgId{7, i}, t, "flood", std::nullopt});
  }
  const auto& refused = sink_.replies[1].back();
  EXPECT_EQ(refused.error, wire::ErrorCode::rate_limited);
  const auto& error = std::get<wire::Error>(*refused.message);
  EXPECT_EQ(error.code, wire::ErrorCode::rate_limited);
  EXPECT_EQ(error.client_id, (core::ClientMsgId{7, 3}));
  EXPECT_EQ(error.retry_after, std::chrono::milliseconds{100});
  EXPECT_EQ(store_->info(kBob).value().head.value(), stored + 3) << "the refused send appended nothing";
  EXPECT_EQ(owner(kAnn).stats().rate_limited, 1u);

  request(2, kBob, wire::SendRequest{core::ClientMsgId{8, 1}, t, "bob still sends", std::nullopt});
  EXPECT_EQ(sink_.replies[2].back().error, std::nullopt) << "the flood spends only Ann's budget";
  // Ann's other channel (HTTP: no connection) has what is left of her user budget: 2 of 5.
  std::vector<SyncShard::Outcome> outcomes;
  for (std::uint64_t i = 0; i < 3; ++i) {
    owner(kAnn).request(kAnn, wire::SendRequest{core::ClientMsgId{9, i}, t, "http", std::nullopt},
                        [&](SyncShard::Outcome o) { outcomes.push_back(std::move(o)); });
    router_.run();
  }
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<wire::SendResult>(outcomes[1]));
  EXPECT_EQ(std::get<wire::Error>(outcomes[2]).code, wire::ErrorCode::rate_limited);

  now_ += error.retry_after.value_or(std::chrono::milliseconds{0});
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{7, 3}, t, "flood", std::nullopt});
  EXPECT_EQ(sink_.replies[1].back().error, std::nullopt) << "the retry after the wait passes";
}

TEST_F(SyncShardTest, ThreadOperationsHaveTheirOwnRateLimit) {
  options_.rates.user.thread_ops = {1, 2};
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob});
  request(1, kAnn, wire::RenameThreadRequest{core::ClientMsgId{5, 1}, t, "renamed"});
  EXPECT_EQ(sink_.replies[1].back().error, std::nullopt);
  request(1, kAnn, wire::RenameThreadRequest{core::ClientMsgId{5, 2}, t, "again"});
  EXPECT_EQ(sink_.replies[1].back().error, wire::ErrorCode::rate_limited);
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{5, 3}, t, "a message", std::nullopt});
  EXPECT_EQ(sink_.replies[1].back().error, std::nullopt) << "sends are counted apart";
}

TEST_F(SyncShardTest, NewErrorCodesGoOnlyToDevicesThatSaidTheirVersion) {
  connect(1, kAnn);
  const ThreadId t = create_thread(1, kAnn, {kBob, kEve});
  connect(2, kBob);  // resumed without protocol_version: version 3
  owner(kBob).on_connected(ConnId{3}, kBob, core::DeviceId{"new"});
  request(3, kBob, wire::ResumeRequest{store_->info(kBob).value().epoch, Seq{0}, 0, false, 4});
  const wire::ChangeParticipantsRequest remove_eve{core::ClientMsgId{6, 1}, t, {}, {kEve}};
  request(2, kBob, remove_eve);
  EXPECT_EQ(std::get<wire::Error>(*sink_.replies[2].back().message).code, wire::ErrorCode::not_participant);
  request(3, kBob, remove_eve);
  EXPECT_EQ(std::get<wire::Error>(*sink_.replies[3].back().message).code, wire::ErrorCode::forbidden);
  EXPECT_EQ(sink_.replies[3].back().error, wire::ErrorCode::forbidden);
  EXPECT_TRUE(owner(kEve).is_participant(kEve, t));
}

// Issue 21: edits, unsends, deletes for me and reactions through the request path.
class SyncShardLifecycleTest : public SyncShardTest {
 protected:
  // Ann (device 1) and Bob (device 2, speaking version 5) in one thread with Ann's message.
  void SetUp() override {
    connect(1, kAnn);
    thread_ = create_thread(1, kAnn, {kBob});
    owner(kBob).on_connected(ConnId{2}, kBob, core::DeviceId{"bob"});
    request(2, kBob, wire::ResumeRequest{store_->info(kBob).value().epoch, Seq{0}, 0, false, 5});
    request(1, kAnn, wire::SendRequest{core::ClientMsgId{1, 1}, thread_, "helo", std::nullopt});
    message_ = *std::get<wire::SendResult>(*sink_.replies[1].back().message).message;
  }
  std::optional<wire::ErrorCode> act(Conn conn, UserId who, wire::MessageAction a, std::string text = {},
                                     core::ClientMsgId id = core::ClientMsgId{7, 0}) {
    if (id == core::ClientMsgId{7, 0}) id = core::ClientMsgId{7, next_packet_};
    request(conn, who, wire::MessageActionRequest{id, thread_, message_, a, std::move(text)});
    return sink_.replies[conn].back().error;
  }
  ThreadId thread_;
  core::MessageId message_;
};

TEST_F(SyncShardLifecycleTest, EditReachesEveryParticipantAndTheSnapshotCountsIt) {
  EXPECT_EQ(act(1, kAnn, wire::MessageAction::edit, "hello"), std::nullopt);
  const auto& r = std::get<wire::SendResult>(*sink_.replies[1].back().message);
  EXPECT_EQ(r.message, message_);
  auto got = delivered(2);
  const auto& e = std::get<core::MessageEdited>(got.back().body);
  EXPECT_EQ(e.text, "hello");
  EXPECT_EQ(e.edit_count, 1u);
  auto snap = owner(kBob).snapshot(kBob).value();
  ASSERT_EQ(snap.threads.size(), 1u);
  EXPECT_EQ(snap.threads[0].latest_messages.back().text, "hello");
  EXPECT_EQ(snap.threads[0].latest_messages.back().edit_count, 1u);
}

TEST_F(SyncShardLifecycleTest, RefusalsCarryTheirCodes) {
  EXPECT_EQ(act(2, kBob, wire::MessageAction::edit, "mine now"), wire::ErrorCode::forbidden);
  now_ += options_.requests.edit_window + std::chrono::milliseconds{1};
  EXPECT_EQ(act(1, kAnn, wire::MessageAction::unsend), wire::ErrorCode::not_participant)
      << "a device that said no version gets too_late as the version 3 code it knows";
  EXPECT_EQ(act(2, kBob, wire::MessageAction::unsend), wire::ErrorCode::forbidden);
  owner(kAnn).on_connected(ConnId{5}, kAnn, core::DeviceId{"ann5"});
  request(5, kAnn, wire::ResumeRequest{store_->info(kAnn).value().epoch, Seq{0}, 0, false, 5});
  EXPECT_EQ(act(5, kAnn, wire::MessageAction::unsend), wire::ErrorCode::too_late);
  EXPECT_EQ(act(5, kAnn, wire::MessageAction::react, std::string(100, 'x')), wire::ErrorCode::too_large);
}

TEST_F(SyncShardLifecycleTest, RetriedUnsendGetsTheFirstResultAndAppendsNothing) {
  const core::ClientMsgId id{8, 8};
  ASSERT_EQ(act(1, kAnn, wire::MessageAction::unsend, {}, id), std::nullopt);
  const auto first = std::get<wire::SendResult>(*sink_.replies[1].back().message);
  const auto head = store_->info(kBob).value().head;
  ASSERT_EQ(act(1, kAnn, wire::MessageAction::unsend, {}, id), std::nullopt) << "not unknown_message";
  const auto again = std::get<wire::SendResult>(*sink_.replies[1].back().message);
  EXPECT_EQ(again.seq, first.seq);
  EXPECT_EQ(store_->info(kBob).value().head, head);
  EXPECT_TRUE(owner(kBob).snapshot(kBob).value().threads[0].latest_messages.empty());
}

TEST_F(SyncShardLifecycleTest, DeleteForMeLeavesTheOthersCopy) {
  ASSERT_EQ(act(2, kBob, wire::MessageAction::delete_for_me), std::nullopt);
  EXPECT_TRUE(owner(kBob).snapshot(kBob).value().threads[0].latest_messages.empty());
  EXPECT_EQ(owner(kAnn).snapshot(kAnn).value().threads[0].latest_messages.size(), 1u);
  EXPECT_EQ(act(2, kBob, wire::MessageAction::react, "a"), wire::ErrorCode::unknown_message);
}

TEST_F(SyncShardLifecycleTest, ReactionsReachVersion5DevicesOnlyAndOlderOnesGetAFoldedBatch) {
  const auto before_ann = delivered(1).size();
  ASSERT_EQ(act(2, kBob, wire::MessageAction::react, "👍"), std::nullopt);
  auto bob = delivered(2);
  EXPECT_EQ(std::get<core::ReactionChanged>(bob.back().body).reaction, "👍");
  auto ann_batches = batches_of(sink_, 1);
  EXPECT_TRUE(ann_batches.back().folded) << "the reaction's seq is covered without it";
  EXPECT_EQ(delivered(1).size(), before_ann);
  auto snap = owner(kAnn).snapshot(kAnn).value();
  EXPECT_EQ(snap.threads[0].latest_messages.back().reactions, (std::vector<core::Reaction>{{kBob, "👍"}}));
}

TEST_F(SyncShardLifecycleTest, BadgeIsServedAndPushedOnceToVersion5DevicesWhenItChanges) {
  auto b = owner(kBob).badge(kBob).value();
  EXPECT_EQ(b.unread, 1u);
  EXPECT_EQ(b.unread_threads, 1u);
  sink_.signals.clear();
  request(1, kAnn, wire::SendRequest{core::ClientMsgId{1, 2}, thread_, "more", std::nullopt});
  ASSERT_EQ(sink_.signals[2].size(), 1u);
  EXPECT_EQ(std::get<wire::Badge>(sink_.signals[2][0]).unread, 2u);
  EXPECT_TRUE(sink_.signals[1].empty()) << "Ann's device did not say version 5; her count did not change";
  ASSERT_EQ(act(1, kAnn, wire::MessageAction::edit, "fixed"), std::nullopt);
  EXPECT_EQ(sink_.signals[2].size(), 1u) << "an edit moves no count: nothing pushed";
  ASSERT_EQ(act(1, kAnn, wire::MessageAction::unsend), std::nullopt);
  ASSERT_EQ(sink_.signals[2].size(), 2u);
  EXPECT_EQ(std::get<wire::Badge>(sink_.signals[2][1]).unread, 1u);
}

TEST_F(SyncShardLifecycleTest, CatchUpOfAnUnsentMessageSendsNothingOfItAndSaysItVanished) {
  ASSERT_EQ(act(1, kAnn, wire::MessageAction::unsend), std::nullopt);
  owner(kBob).on_connected(ConnId{6}, kBob, core::DeviceId{"bob6"});
  request(6, kBob, wire::ResumeRequest{store_->info(kBob).value().epoch, Seq{1}, 0, false, 5});
  auto batches = batches_of(sink_, 6);
  ASSERT_FALSE(batches.empty());
  EXPECT_EQ(batches.back().last_seq, store_->info(kBob).value().head);
  EXPECT_TRUE(delivered(6, Seq{1}).empty());
  EXPECT_EQ(batches.back().vanished, (std::vector<core::VanishedMessages>{{thread_, 1}}));
}

}  // namespace
}  // namespace iris::sync
