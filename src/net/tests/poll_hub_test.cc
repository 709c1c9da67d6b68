#include "net/poll_hub.h"

#include <gtest/gtest.h>

#include <vector>

#include "net/errc.h"
#include "wire/json_codec.h"

namespace iris::net {
namespace {

using namespace std::chrono_literals;

// The sync service as the hub sees it: what it was asked, and pushes the test makes.
struct FakeTarget final : PollTarget {
  std::vector<std::pair<sync::ConnId, std::string>> connected;
  std::vector<sync::ConnId> disconnected;
  std::vector<wire::ResumeRequest> resumes;
  std::vector<std::uint64_t> delivered;
  void on_connected(sync::ConnId conn, core::UserId, core::DeviceId device) override {
    connected.emplace_back(conn, device.value());
  }
  void on_disconnected(sync::ConnId conn) override { disconnected.push_back(conn); }
  void on_request(sync::ConnId, sync::RequestTag, sync::Encoding, std::string_view payload) override {
    auto m = wire::decode_json<wire::Message>(payload);
    ASSERT_TRUE(m);
    resumes.push_back(std::get<wire::ResumeRequest>(*m));
  }
  void on_delivered(sync::ConnId, std::uint64_t token) override { delivered.push_back(token); }
};

struct FakeSink final : sync::DeviceSink {
  int pushes = 0;
  void push(sync::ConnId, std::string, std::uint64_t) override { ++pushes; }
  void reply(sync::ConnId, sync::RequestTag, std::optional<wire::ErrorCode>, std::string) override {}
  void signal(sync::ConnId, std::string) override {}
  bool tracing(core::UserId) override { return false; }
  void trace(core::UserId, std::string) override {}
  void revoke_thread(core::UserId, core::ThreadId) override {}
  int typings = 0;
  bool typing(const wire::Typing&) override { return ++typings, true; }
};

wire::Typing typing_of(std::uint64_t thread, std::uint64_t user, bool active = true) {
  wire::Typing t;
  t.thread = core::ThreadId{thread};
  t.user = core::UserId{user};
  t.active = active;
  return t;
}

std::string batch(std::uint64_t first, std::uint64_t last) {
  wire::DeltaBatch b;
  b.epoch = core::Epoch{7};
  b.first_seq = core::Seq{first};
  b.last_seq = core::Seq{last};
  b.folded = true;
  return wire::encode_json(wire::Message{b});
}

class PollHubTest : public ::testing::Test {
 protected:
  PollHubTest() : hub_(sink_, options_, total_) { hub_.attach(target_); }

  // Polls as device "web" of user 1; returns what was answered (if anything, yet).
  std::optional<Result<std::optional<std::string>>>* poll(std::uint64_t epoch, std::uint64_t seq,
                                                          std::string device = "web") {
    auto& slot = answers_.emplace_back();
    hub_.poll(core::UserId{1}, device, true, core::Epoch{epoch}, core::Seq{seq}, 0, ++ticket_, 1000ms,
              [&slot](Result<std::optional<std::string>> a) { slot = std::move(a); }, now_);
    return &slot;
  }
  sync::ConnId conn() const { return target_.connected.at(0).first; }

  FakeSink sink_;
  FakeTarget target_;
  PollOptions options_;
  std::atomic<std::size_t> total_{0};
  PollHub hub_;
  std::deque<std::optional<Result<std::optional<std::string>>>> answers_;
  std::uint64_t ticket_ = 0;
  PollHub::Clock::time_point now_{};
};

TEST_F(PollHubTest, FirstPollResumesAsItsOwnDeviceAndIsHeldUntilAPush) {
  auto* a = poll(7, 3);
  ASSERT_EQ(target_.connected.size(), 1u);
  EXPECT_EQ(target_.connected[0].second, "poll:web");
  ASSERT_EQ(target_.resumes.size(), 1u);
  EXPECT_EQ(target_.resumes[0].epoch, core::Epoch{7});
  EXPECT_EQ(target_.resumes[0].last_seq, core::Seq{3});
  EXPECT_FALSE(a->has_value());
  hub_.push(conn(), batch(4, 5), 11);
  ASSERT_TRUE(a->has_value() && **a && ***a);
  EXPECT_EQ(****a, batch(4, 5));
}

TEST_F(PollHubTest, NextPollAcknowledgesWhatItsSeqCoversAndGetsTheNextBatch) {
  poll(7, 3);
  hub_.push(conn(), batch(4, 5), 11);
  hub_.push(conn(), batch(6, 9), 12);
  auto* a = poll(7, 5);
  EXPECT_EQ(target_.delivered, std::vector<std::uint64_t>{11});
  EXPECT_EQ(target_.resumes.size(), 1u);  // continued, not resumed
  ASSERT_TRUE(a->has_value() && **a && ***a);
  EXPECT_EQ(****a, batch(6, 9));
}

TEST_F(PollHubTest, APollThatLostItsAnswerGetsTheSameBatchAgain) {
  poll(7, 3);
  hub_.push(conn(), batch(4, 5), 11);
  auto* again = poll(7, 3);
  EXPECT_TRUE(target_.delivered.empty());
  ASSERT_TRUE(again->has_value() && **again && ***again);
  EXPECT_EQ(****again, batch(4, 5));
}

TEST_F(PollHubTest, APositionTheStreamCannotContinueFromResumesThere) {
  poll(7, 3);
  hub_.push(conn(), batch(4, 5), 11);
  poll(9, 20);  // another epoch: a snapshot after a resync
  ASSERT_EQ(target_.resumes.size(), 2u);
  EXPECT_EQ(target_.resumes[1].epoch, core::Epoch{9});
  EXPECT_EQ(target_.resumes[1].last_seq, core::Seq{20});
  poll(9, 25);  // past anything pushed
  EXPECT_EQ(target_.resumes.size(), 3u);
}

TEST_F(PollHubTest, ASecondPollOfTheDeviceAnswersTheHeldOneAsSuperseded) {
  auto* first = poll(7, 3);
  auto* second = poll(7, 3);
  ASSERT_TRUE(first->has_value() && **first);
  EXPECT_FALSE(***first);  // nothing: the newer poll waits instead
  EXPECT_FALSE(second->has_value());
}

TEST_F(PollHubTest, ACancelledPollIsNotAnswered) {
  auto* a = poll(7, 3);
  hub_.cancel(core::UserId{1}, "web", ticket_);
  hub_.push(conn(), batch(4, 4), 11);
  EXPECT_FALSE(a->has_value());
  auto* b = poll(7, 3);  // the batch waits for the next poll
  ASSERT_TRUE(b->has_value() && **b && ***b);
}

TEST_F(PollHubTest, DevicesPerUserAndInTotalAreBounded) {
  options_.max_per_user = 2;
  options_.max_total = 3;
  poll(7, 3, "a");
  poll(7, 3, "b");
  auto* c = poll(7, 3, "c");
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->error(), make_error_code(errc::too_many_polls));
  EXPECT_EQ(total_.load(), 2u);
  total_ = 3;  // other shards' devices
  std::optional<Result<std::optional<std::string>>> slot;
  hub_.poll(core::UserId{2}, "x", true, core::Epoch{7}, core::Seq{3}, 0, 99, 1000ms,
            [&slot](Result<std::optional<std::string>> r) { slot = std::move(r); }, now_);
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(slot->error(), make_error_code(errc::too_many_polls));
  EXPECT_EQ(total_.load(), 3u);
}

TEST_F(PollHubTest, ADeviceThatStopsPollingIsDroppedAsADisconnect) {
  poll(7, 3, "gone");
  hub_.cancel(core::UserId{1}, "gone", ticket_);
  now_ += 1000ms + options_.idle + std::chrono::seconds(6);
  poll(7, 3, "other");
  EXPECT_EQ(target_.disconnected.size(), 1u);
  EXPECT_EQ(hub_.devices(), 1u);
  EXPECT_EQ(total_.load(), 1u);
}

TEST_F(PollHubTest, PushesOfOtherConnectionsPassToTheShardsSink) {
  hub_.push(sync::ConnId{5}, batch(1, 1), 1);
  EXPECT_EQ(sink_.pushes, 1);
}

TEST_F(PollHubTest, AThreadScopedResyncIsGivenOnceAndTheStreamGoesOn) {
  poll(7, 3);
  wire::Resync r;
  r.reason = wire::ResyncReason::backlog_too_large;
  r.epoch = core::Epoch{7};
  r.head = core::Seq{9};
  r.thread = core::ThreadId{5};
  hub_.push(conn(), wire::encode_json(wire::Message{r}), 11);
  hub_.push(conn(), batch(4, 9), 12);
  auto* next = poll(7, 3);
  EXPECT_EQ(target_.delivered, std::vector<std::uint64_t>{11});
  ASSERT_TRUE(next->has_value() && **next && ***next);
  EXPECT_EQ(****next, batch(4, 9));
  EXPECT_EQ(target_.resumes.size(), 1u);
}

// Typing (docs/PROTOCOL.md "Long polling"): user 1 polls; it is in thread 5 only.
bool user1_in_thread5(const wire::Typing& t, core::UserId u) { return u == core::UserId{1} && t.thread == core::ThreadId{5}; }

TEST_F(PollHubTest, AHeldPollIsAnsweredWithTypingOfAThreadItsUserIsIn) {
  auto* a = poll(7, 3);
  const auto t = typing_of(5, 2);
  hub_.deliver_typing(t, [&](core::UserId u) { return user1_in_thread5(t, u); }, now_);
  ASSERT_TRUE(a->has_value() && **a && ***a);
  EXPECT_EQ(****a, wire::encode_json(wire::Message{t}));
}

TEST_F(PollHubTest, TypingOfAThreadTheUserIsNotInIsNeverGiven) {
  auto* a = poll(7, 3);
  const auto t = typing_of(6, 2);
  hub_.deliver_typing(t, [&](core::UserId u) { return user1_in_thread5(t, u); }, now_);
  EXPECT_FALSE(a->has_value());
  hub_.cancel(core::UserId{1}, "web", 1);
  EXPECT_FALSE(poll(7, 3)->has_value());  // nothing was kept for the next poll either
}

TEST_F(PollHubTest, TypingWaitsBehindABatchAndComesWithTheNextPoll) {
  poll(7, 3);
  hub_.push(conn(), batch(4, 5), 11);  // answers the held poll
  hub_.push(conn(), batch(6, 6), 12);
  const auto t = typing_of(5, 2);
  hub_.deliver_typing(t, [&](core::UserId u) { return user1_in_thread5(t, u); }, now_);
  auto* b = poll(7, 5);
  ASSERT_TRUE(b->has_value() && **b && ***b);
  EXPECT_EQ(****b, batch(6, 6));
  auto* c = poll(7, 6);
  ASSERT_TRUE(c->has_value() && **c && ***c);
  EXPECT_EQ(****c, wire::encode_json(wire::Message{t}));
  EXPECT_FALSE(poll(7, 6)->has_value());  // given once
}

TEST_F(PollHubTest, PendingTypingIsBoundedKeepsTheNewestOfATyperAndGoesStale) {
  options_.typing_pending = 2;
  poll(7, 3);
  hub_.push(conn(), batch(4, 4), 11);  // no poll held from here on
  const auto in = [](core::UserId u) { return u == core::UserId{1}; };
  hub_.deliver_typing(typing_of(5, 2, true), in, now_);
  hub_.deliver_typing(typing_of(5, 2, false), in, now_);  // replaces user 2's first
  hub_.deliver_typing(typing_of(5, 3), in, now_);
  hub_.deliver_typing(typing_of(5, 4), in, now_);  // the oldest kept (user 2's) gives way
  hub_.push(conn(), batch(5, 5), 12);
  poll(7, 4);  // batch 5-5
  auto* b = poll(7, 5);
  ASSERT_TRUE(b->has_value() && **b && ***b);
  EXPECT_EQ(****b, wire::encode_json(wire::Message{typing_of(5, 3)}));
  now_ += options_.typing_fresh + 1ms;  // user 4's goes stale
  EXPECT_FALSE(poll(7, 5)->has_value());
}

TEST_F(PollHubTest, TypingOverHttpIsRateLimitedPerUser) {
  options_.typing_per_s = 1;
  options_.typing_burst = 2;
  EXPECT_TRUE(hub_.typing(typing_of(5, 2)));
  EXPECT_TRUE(hub_.typing(typing_of(6, 2)));
  EXPECT_FALSE(hub_.typing(typing_of(5, 2)));  // over user 2's burst
  EXPECT_TRUE(hub_.typing(typing_of(5, 3)));   // another user has its own
  EXPECT_EQ(sink_.typings, 3);
}

}  // namespace
}  // namespace iris::net
