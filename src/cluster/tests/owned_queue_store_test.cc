#include "cluster/owned_queue_store.h"

#include <gtest/gtest.h>

#include <future>
#include <set>

#include "cluster/ring_hash.h"
#include "store/errc.h"
#include "store/memory/memory_queue_store.h"

namespace iris::cluster {
namespace {

using core::UserId;

// The memory store with claims that a test can refuse, and a log of what reached it.
class ClaimLog final : public store::QueueStore {
 public:
  std::unique_ptr<store::QueueStore> inner = store::make_memory_queue_store();
  std::vector<std::string> log;  // "claim <user> <term>", "append <user>..."
  std::set<std::uint64_t> refuse;

  void async_append(store::AppendRequest r, AppendCallback done) override {
    std::string line = "append";
    for (const auto& e : r.entries) line += " " + std::to_string(e.user.value());
    log.push_back(line);
    inner->async_append(std::move(r), std::move(done));
  }
  void async_claim(UserId u, std::uint64_t term, VoidCallback done) override {
    log.push_back("claim " + std::to_string(u.value()) + " " + std::to_string(term));
    if (refuse.count(u.value())) return done(fail(store::errc::not_owner));
    done(Result<void>{});
  }
  void async_advance_cursor(UserId u, core::CursorName n, core::Seq to, SeqCallback done) override {
    inner->async_advance_cursor(u, std::move(n), to, std::move(done));
  }
  void async_trim_to(UserId u, core::Seq up_to, CountCallback done) override { inner->async_trim_to(u, up_to, std::move(done)); }
  Result<store::QueueInfo> info(UserId u) const override { return inner->info(u); }
  Result<std::vector<core::Update>> read(UserId u, core::Seq f, std::size_t n) const override { return inner->read(u, f, n); }
  Result<std::optional<core::Seq>> cursor(UserId u, const core::CursorName& n) const override { return inner->cursor(u, n); }
  Result<std::vector<std::pair<core::CursorName, core::Seq>>> cursors(UserId u) const override { return inner->cursors(u); }
  Result<std::optional<core::IdempotencyRecord>> find(const core::IdempotencyKey& k) const override { return inner->find(k); }
  Result<std::vector<UserId>> users(UserId a, std::size_t n) const override { return inner->users(a, n); }
  std::uint64_t epoch_generation() const override { return generation; }
  std::uint64_t generation = 0;
};

std::shared_ptr<CellSnapshot> ring_of(std::uint64_t version) {
  auto s = std::make_shared<CellSnapshot>();
  s->self = "a";
  s->version = version;
  s->serving = true;
  s->ring = Ring({{"a", "x:1", default_tokens("a", 64)}, {"b", "x:2", default_tokens("b", 64)}});
  return s;
}

UserId owned_by(const CellSnapshot& s, const std::string& name, std::uint64_t from = 1) {
  for (std::uint64_t u = from;; ++u) {
    if (s.ring.owner_name(UserId{u}) == name) return UserId{u};
  }
}

store::AppendRequest to(std::vector<UserId> users) {
  store::AppendRequest r;
  for (auto u : users) r.entries.push_back({u, core::Update{}});
  return r;
}

struct Fixture {
  ClaimLog inner;
  std::shared_ptr<CellSnapshot> snapshot = ring_of(10);
  OwnedQueueStore store{inner, [this] { return std::shared_ptr<const CellSnapshot>(snapshot); }};
};

TEST(OwnedQueueStore, ClaimsAnOwnedUserAtTheRingVersionOnceBeforeItsFirstAppend) {
  Fixture f;
  const UserId u = owned_by(*f.snapshot, "a");
  ASSERT_TRUE(f.store.append(to({u})));
  ASSERT_TRUE(f.store.append(to({u})));
  const std::string append = "append " + std::to_string(u.value());
  EXPECT_EQ(f.inner.log, (std::vector<std::string>{"claim " + std::to_string(u.value()) + " 10", append, append}));
}

TEST(OwnedQueueStore, ClaimsAgainAfterTheRingChanges) {
  Fixture f;
  const UserId u = owned_by(*f.snapshot, "a");
  ASSERT_TRUE(f.store.append(to({u})));
  f.snapshot = ring_of(11);
  ASSERT_TRUE(f.store.append(to({u})));
  ASSERT_EQ(f.inner.log.size(), 4u);
  EXPECT_EQ(f.inner.log[2], "claim " + std::to_string(u.value()) + " 11");
}

TEST(OwnedQueueStore, UsersOfOtherServersAreAppendedWithoutAClaim) {
  Fixture f;
  const UserId mine = owned_by(*f.snapshot, "a"), theirs = owned_by(*f.snapshot, "b");
  ASSERT_TRUE(f.store.append(to({theirs, mine})));
  EXPECT_EQ(f.inner.log, (std::vector<std::string>{"claim " + std::to_string(mine.value()) + " 10",
                                                   "append " + std::to_string(theirs.value()) + " " +
                                                       std::to_string(mine.value())}));
}

TEST(OwnedQueueStore, ARefusedClaimFailsTheAppendWithNotOwnerAndIsRememberedForThatRing) {
  Fixture f;
  const UserId u = owned_by(*f.snapshot, "a");
  f.inner.refuse.insert(u.value());
  auto r = f.store.append(to({u}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), store::errc::not_owner);
  EXPECT_TRUE(f.store.refused(u, 10));
  EXPECT_FALSE(f.store.refused(u, 11)) << "a newer ring may give the user back";
  EXPECT_EQ(f.inner.inner->info(u).value().head, core::Seq{0}) << "nothing appended";
}

TEST(OwnedQueueStore, AForgottenUserIsClaimedAgainAtTheSameRingAfterItMovedBack) {
  Fixture f;
  const UserId u = owned_by(*f.snapshot, "a");
  f.inner.refuse.insert(u.value());  // fenced: moved to another cell
  ASSERT_FALSE(f.store.append(to({u})));
  ASSERT_TRUE(f.store.refused(u, 10));
  f.inner.refuse.erase(u.value());   // moved back: the fence row is gone
  f.store.forget(u);
  EXPECT_FALSE(f.store.refused(u, 10));
  ASSERT_TRUE(f.store.append(to({u})));
  EXPECT_EQ(f.inner.log.back(), "append " + std::to_string(u.value()));
  EXPECT_EQ(f.inner.log[f.inner.log.size() - 2], "claim " + std::to_string(u.value()) + " 10");
}

TEST(OwnedQueueStore, ClaimAheadClaimsOnceForAConnectingDevice) {
  Fixture f;
  const UserId u = owned_by(*f.snapshot, "a"), theirs = owned_by(*f.snapshot, "b");
  f.store.claim_ahead(u, *f.snapshot);
  f.store.claim_ahead(u, *f.snapshot);
  f.store.claim_ahead(theirs, *f.snapshot);
  ASSERT_TRUE(f.store.append(to({u})));
  EXPECT_EQ(f.inner.log, (std::vector<std::string>{"claim " + std::to_string(u.value()) + " 10",
                                                   "append " + std::to_string(u.value())}));
}

TEST(OwnedQueueStore, BeforeJoiningAppendsPassUnclaimed) {
  ClaimLog inner;
  OwnedQueueStore store(inner, [] { return std::shared_ptr<const CellSnapshot>(); });
  ASSERT_TRUE(store.append(to({UserId{5}})));
  EXPECT_EQ(inner.log, std::vector<std::string>{"append 5"});
}

TEST(OwnedQueueStore, TheStoresFailoverGenerationReachesTheShards) {
  Fixture f;
  f.inner.generation = 7;
  EXPECT_EQ(f.store.epoch_generation(), 7u);
}

TEST(OwnedQueueStore, FanOutRowsAreRecordedReadAndConfirmedInTheWrappedStore) {
  auto inner = store::make_memory_queue_store();
  OwnedQueueStore store(*inner, [] { return std::shared_ptr<const CellSnapshot>(); });
  ASSERT_TRUE(store.records_fanout());
  auto request = to({UserId{5}});
  request.fanout = store::FanoutNote{UserId{5}, {UserId{6}}};
  auto appended = store.append(std::move(request));
  ASSERT_TRUE(appended);
  auto pending = store.pending_fanout(UserId{0}, core::Seq{0}, 10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].recipients, std::vector<UserId>{UserId{6}});
  std::promise<Result<void>> confirmed;
  store.async_confirm_fanout({{UserId{5}, (*pending)[0].update.seq}}, [&](Result<void> r) { confirmed.set_value(r); });
  ASSERT_TRUE(confirmed.get_future().get());
  EXPECT_TRUE(inner->pending_fanout(UserId{0}, core::Seq{0}, 10).value().empty());
}

}  // namespace
}  // namespace iris::cluster
