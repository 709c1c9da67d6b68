#include "sync/request_planner.h"

#include <gtest/gtest.h>

#include <set>

#include "sync/errc.h"

namespace iris::sync {
namespace {

using core::ThreadId;
using core::UserId;
using namespace std::chrono_literals;

const UserId kAnn{1}, kBob{2}, kCat{3}, kEve{9};

class RequestPlannerTest : public ::testing::Test {
 protected:
  RequestPlannerTest() {
    for (auto* inbox : {&ann_, &eve_}) {
      inbox->apply(core::Update{core::Seq{1}, {}, ThreadId{7}, kAnn, core::ThreadCreated{"t", {kAnn, kBob, kCat}}});
    }
  }
  Inbox ann_{kAnn};
  Inbox eve_{kEve};  // sees the thread (say, removed since) but is not a participant
  RequestLimits limits_;
};

std::set<std::uint64_t> users_of(const store::AppendRequest& r) {
  std::set<std::uint64_t> s;
  for (const auto& e : r.entries) s.insert(e.user.value());
  return s;
}

TEST_F(RequestPlannerTest, SendGoesToEveryParticipantWithTheClientIdAsKey) {
  const wire::SendRequest req{core::ClientMsgId{5, 6}, ThreadId{7}, "hello", std::nullopt};
  auto r = plan_send(req, kAnn, ann_, core::MessageId{100}, core::Timestamp{5ms}, limits_);
  ASSERT_TRUE(r);
  EXPECT_EQ(users_of(*r), (std::set<std::uint64_t>{1, 2, 3})) << "the sender's own queue too";
  ASSERT_TRUE(r->idempotency);
  EXPECT_EQ(r->idempotency->sender, kAnn);
  EXPECT_EQ(r->idempotency->client_id, (core::ClientMsgId{5, 6}));
  const auto& m = std::get<core::MessageCreated>(r->entries[0].update.body);
  EXPECT_EQ(m.text, "hello");
  EXPECT_EQ(m.message, core::MessageId{100});
  EXPECT_EQ(r->entries[0].update.actor, kAnn);
}

TEST_F(RequestPlannerTest, OutsidersAndUnknownThreadsAreRefused) {
  const wire::SendRequest req{core::ClientMsgId{1, 1}, ThreadId{7}, "hi", std::nullopt};
  EXPECT_EQ(plan_send(req, kEve, eve_, core::MessageId{1}, {}, limits_).error(), errc::not_participant);
  wire::SendRequest other = req;
  other.thread = ThreadId{8};
  EXPECT_EQ(plan_send(other, kAnn, ann_, core::MessageId{1}, {}, limits_).error(), errc::unknown_thread);
  EXPECT_EQ(plan_read({ThreadId{7}, core::MessageId{1}}, kEve, eve_, {}).error(), errc::not_participant);
}

TEST_F(RequestPlannerTest, OversizeBodiesNamesAndThreadsAreRefused) {
  const wire::SendRequest big{core::ClientMsgId{1, 1}, ThreadId{7}, std::string(limits_.max_body_bytes + 1, 'x'), {}};
  EXPECT_EQ(plan_send(big, kAnn, ann_, core::MessageId{1}, {}, limits_).error(), errc::too_large);
  wire::CreateThreadRequest crowd{core::ClientMsgId{1, 2}, "n", {}};
  for (std::uint64_t u = 10; u < 10 + limits_.max_participants; ++u) crowd.participants.push_back(UserId{u});
  EXPECT_EQ(plan_create_thread(crowd, kAnn, ThreadId{1}, {}, limits_).error(), errc::too_large);
}

TEST_F(RequestPlannerTest, CreateThreadIncludesTheCreatorOnce) {
  const wire::CreateThreadRequest req{core::ClientMsgId{1, 2}, "trip", {kBob, kAnn, kBob}};
  auto r = plan_create_thread(req, kAnn, ThreadId{50}, {}, limits_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->entries.size(), 2u);
  const auto& tc = std::get<core::ThreadCreated>(r->entries[0].update.body);
  EXPECT_EQ(tc.participants, (std::vector<UserId>{kAnn, kBob}));
}

TEST_F(RequestPlannerTest, RemovedParticipantIsToldAndAddedOneToo) {
  const wire::ChangeParticipantsRequest req{core::ClientMsgId{3, 3}, ThreadId{7}, {UserId{4}}, {kCat}};
  auto r = plan_change_participants(req, kAnn, ann_, {}, limits_);
  ASSERT_TRUE(r);
  EXPECT_EQ(users_of(*r), (std::set<std::uint64_t>{1, 2, 3, 4}));
  const wire::ChangeParticipantsRequest none{core::ClientMsgId{3, 4}, ThreadId{7}, {}, {}};
  EXPECT_EQ(plan_change_participants(none, kAnn, ann_, {}, limits_).error(), errc::invalid_request);
}

TEST(IdGenerator, GrowsWithTimeAndStaysUniqueWithinAMillisecond) {
  IdGenerator gen(3);
  std::set<std::uint64_t> seen;
  std::uint64_t last = 0;
  for (int i = 0; i < 10'000; ++i) {
    const auto id = gen.next(core::Timestamp{std::chrono::milliseconds{1000 + i / 5000}});
    EXPECT_GT(id, last);
    last = id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 10'000u);
  EXPECT_GT(gen.next(core::Timestamp{500ms}), last) << "a clock stepping back never repeats ids";
}

}  // namespace
}  // namespace iris::sync
