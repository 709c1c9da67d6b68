#include "sync/fanout_plan.h"

#include <gtest/gtest.h>

#include <set>

namespace iris::sync {
namespace {

using core::Seq;
using core::UserId;

store::AppendRequest to_each(std::vector<UserId> users) {
  store::AppendRequest r;
  const core::Update u{Seq{0}, core::Timestamp{}, core::ThreadId{1}, users.front(), core::ThreadRenamed{"x"}};
  for (auto user : users) r.entries.push_back({user, u});
  r.idempotency = core::IdempotencyKey{users.front(), core::ClientMsgId{1, 1}};
  return r;
}

std::vector<UserId> users_of(const store::AppendRequest& r) {
  std::vector<UserId> out;
  for (const auto& e : r.entries) out.push_back(e.user);
  return out;
}

TEST(SplitByOwner, KeepsOwnedParticipantsAndNotesTheOthers) {
  auto r = to_each({UserId{1}, UserId{2}, UserId{3}, UserId{4}});
  split_by_owner(r, UserId{1}, [](UserId u) { return u.value() % 2 == 1; });
  EXPECT_EQ(users_of(r), (std::vector<UserId>{UserId{1}, UserId{3}}));
  ASSERT_TRUE(r.fanout);
  EXPECT_EQ(r.fanout->sender, UserId{1});
  EXPECT_EQ(r.fanout->recipients, (std::vector<UserId>{UserId{2}, UserId{4}}));
  EXPECT_TRUE(r.idempotency) << "the sender's key stays with the sender's append";
}

TEST(SplitByOwner, AlwaysKeepsTheSenderEvenWhenTheRingSaysOtherwise) {
  auto r = to_each({UserId{5}, UserId{6}});
  split_by_owner(r, UserId{5}, [](UserId) { return false; });
  EXPECT_EQ(users_of(r), (std::vector<UserId>{UserId{5}}));
  EXPECT_EQ(r.fanout->recipients, (std::vector<UserId>{UserId{6}}));
}

TEST(SplitByOwner, LeavesAnAllLocalRequestAsItWas) {
  auto r = to_each({UserId{1}, UserId{2}});
  split_by_owner(r, UserId{1}, [](UserId) { return true; });
  EXPECT_EQ(users_of(r), (std::vector<UserId>{UserId{1}, UserId{2}}));
  EXPECT_FALSE(r.fanout);
}

TEST(SplitByOwner, NamesARemoteUserListedTwiceOnce) {
  auto r = to_each({UserId{1}, UserId{2}, UserId{2}});
  split_by_owner(r, UserId{1}, [](UserId u) { return u == UserId{1}; });
  EXPECT_EQ(r.fanout->recipients, (std::vector<UserId>{UserId{2}}));
}

TEST(FanoutKey, IsDistinctPerSeqAndRecipientAndStablePerTriple) {
  std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
  for (std::uint64_t seq = 1; seq <= 30; ++seq) {
    for (std::uint64_t r = 1; r <= 30; ++r) {
      const auto k = fanout_key(UserId{7}, Seq{seq}, UserId{r});
      EXPECT_EQ(k.sender, UserId{7});
      EXPECT_TRUE(seen.insert({k.client_id.hi, k.client_id.lo}).second);
      EXPECT_EQ(k, fanout_key(UserId{7}, Seq{seq}, UserId{r}));
    }
  }
}

}  // namespace
}  // namespace iris::sync
