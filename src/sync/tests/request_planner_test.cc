#include "sync/request_planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>
#include <thread>
#include <vector>

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
  const wire::CreateThreadRequest req{core::ClientMsgId{1, 2}, "trip", {kBob, kAnn}};
  auto r = plan_create_thread(req, kAnn, ThreadId{50}, {}, limits_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->entries.size(), 2u);
  const auto& tc = std::get<core::ThreadCreated>(r->entries[0].update.body);
  EXPECT_EQ(tc.participants, (std::vector<UserId>{kAnn, kBob})) << "the creator first: the owner";
}

TEST_F(RequestPlannerTest, CreateThreadRefusesDuplicateAndInvalidParticipants) {
  const UserId zero{0}, all_ones{std::numeric_limits<std::uint64_t>::max()};
  for (const auto& list : std::vector<std::vector<UserId>>{{kBob, kBob}, {kBob, kCat, kBob}, {zero}, {kBob, all_ones}}) {
    const wire::CreateThreadRequest req{core::ClientMsgId{1, 2}, "trip", list};
    EXPECT_EQ(plan_create_thread(req, kAnn, ThreadId{50}, {}, limits_).error(), errc::invalid_request)
        << list.size() << " participants";
  }
}

TEST_F(RequestPlannerTest, ChangeParticipantsRefusesDuplicateAndInvalidIds) {
  const UserId zero{0}, all_ones{std::numeric_limits<std::uint64_t>::max()};
  const std::vector<std::pair<std::vector<UserId>, std::vector<UserId>>> cases = {
      {{UserId{4}, UserId{4}}, {}}, {{}, {kCat, kCat}}, {{kCat}, {kCat}}, {{zero}, {}}, {{}, {all_ones}}};
  for (const auto& [added, removed] : cases) {
    const wire::ChangeParticipantsRequest req{core::ClientMsgId{3, 3}, ThreadId{7}, added, removed};
    EXPECT_EQ(plan_change_participants(req, kAnn, ann_, {}, limits_).error(), errc::invalid_request);
  }
}

TEST_F(RequestPlannerTest, OnlyTheOwnerRemovesOthersAndAnyoneRemovesThemselves) {
  Inbox bob{kBob};
  bob.apply(core::Update{core::Seq{1}, {}, ThreadId{7}, kAnn, core::ThreadCreated{"t", {kAnn, kBob, kCat}}});
  const auto change = [](std::vector<UserId> removed) {
    return wire::ChangeParticipantsRequest{core::ClientMsgId{3, 3}, ThreadId{7}, {}, std::move(removed)};
  };
  EXPECT_EQ(plan_change_participants(change({kCat}), kBob, bob, {}, limits_).error(), errc::not_allowed);
  EXPECT_EQ(plan_change_participants(change({kAnn}), kBob, bob, {}, limits_).error(), errc::not_allowed)
      << "nobody removes the creator";
  EXPECT_TRUE(plan_change_participants(change({kBob}), kBob, bob, {}, limits_)) << "leaving";
  EXPECT_TRUE(plan_change_participants(change({kCat}), kAnn, ann_, {}, limits_)) << "the creator";
  EXPECT_TRUE(plan_change_participants(change({kAnn}), kAnn, ann_, {}, limits_)) << "the creator leaves";
  // Once the creator has left, the earliest joiner left owns the thread.
  bob.apply(core::Update{core::Seq{2}, {}, ThreadId{7}, kAnn, core::ParticipantsChanged{{}, {kAnn}}});
  EXPECT_TRUE(plan_change_participants(change({kCat}), kBob, bob, {}, limits_));
}

TEST_F(RequestPlannerTest, ReadReceiptIsBoundedByTheNewestMessage) {
  EXPECT_EQ(plan_read({ThreadId{7}, core::MessageId{1}}, kAnn, ann_, {}).error(), errc::invalid_request)
      << "no message yet";
  ann_.apply(core::Update{core::Seq{2}, {}, ThreadId{7}, kBob,
                          core::MessageCreated{core::MessageId{40}, core::ClientMsgId{1, 1}, "hi", {}}});
  EXPECT_TRUE(plan_read({ThreadId{7}, core::MessageId{40}}, kAnn, ann_, {}));
  EXPECT_TRUE(plan_read({ThreadId{7}, core::MessageId{39}}, kAnn, ann_, {}));
  EXPECT_EQ(plan_read({ThreadId{7}, core::MessageId{41}}, kAnn, ann_, {}).error(), errc::invalid_request);
  EXPECT_EQ(plan_read({ThreadId{7}, core::MessageId{std::numeric_limits<std::uint64_t>::max()}}, kAnn, ann_, {}).error(),
            errc::invalid_request);
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

// Two servers of a cell, each with two shards, all making ids in the same milliseconds: the
// per-shard generators of the two servers make the same ids; the cell generators, one per
// server with its own slot and shared by its shards' threads, never do.
TEST(CellIdGenerator, ServersWithTheirOwnSlotsNeverMakeTheSameIdWhateverTheirShards) {
  const core::Timestamp t{std::chrono::milliseconds{1'700'000'000'000}};
  EXPECT_EQ(IdGenerator(0).next(t), IdGenerator(0).next(t)) << "why a cell member needs its slot";
  CellIdGenerator a, b;
  std::vector<std::uint64_t> ids[4];
  std::vector<std::thread> shards;
  for (int s = 0; s < 4; ++s) {
    shards.emplace_back([&, s] {
      CellIdGenerator& gen = s < 2 ? a : b;
      const std::uint32_t slot = s < 2 ? 7 : 900;
      for (int i = 0; i < 5'000; ++i) ids[s].push_back(gen.next(t + std::chrono::milliseconds{i / 2'000}, slot));
    });
  }
  for (auto& th : shards) th.join();
  std::set<std::uint64_t> seen;
  for (const auto& list : ids) {
    for (std::size_t i = 1; i < list.size(); ++i) EXPECT_GT(list[i], list[i - 1]) << "grows on each thread";
    seen.insert(list.begin(), list.end());
  }
  EXPECT_EQ(seen.size(), 20'000u) << "4,096 ids a millisecond per server, then the next one is borrowed";
  EXPECT_EQ(std::min(ids[0].front(), ids[1].front()) >> 22, static_cast<std::uint64_t>(t.time_since_epoch().count()))
      << "the same 42 bits of milliseconds as a single server's ids, so ids still order by time";
  EXPECT_EQ(ids[0].front() >> 12 & 1023, 7u);
  EXPECT_EQ(ids[3].front() >> 12 & 1023, 900u);
}

}  // namespace
}  // namespace iris::sync
