// Ownership fencing of the MariaDB queue store (docs/CLUSTER.md "Ownership and fencing")
// against a real server: two stores on one database play two cell members; a raw connection
// plays an old owner caught in the middle of its append transaction.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "store/errc.h"
#include "store/mariadb/connection.h"
#include "store/mariadb/detail/owner_fence.h"
#include "store/mariadb/mariadb_queue_store.h"
#include "store/tests/mariadb_server.h"
#include "store/tests/queue_store_conformance.h"

namespace iris::store::testing {
namespace {

using namespace std::chrono_literals;

MariaDbServer& server() {
  MariaDbServer* s = MariaDbServer::shared();
  if (!s) std::abort();
  return *s;
}

struct Cell {
  std::string database = server().fresh_database();
  std::unique_ptr<QueueStore> member(const std::string& name, std::chrono::seconds claim_wait = 2s) {
    MariaDbOptions m = server().options(database);
    m.claim_wait = claim_wait;
    auto s = open_mariadb_queue_store({}, m);
    EXPECT_TRUE(s) << s.error().message();
    if (!s) return nullptr;
    EXPECT_TRUE((*s)->fence_as(name));
    return std::move(*s);
  }
};

const UserId kUser{42};

TEST(MariaDbFencing, AClaimWithATermNotAboveTheStoredOneIsRefused) {
  Cell cell;
  auto a = cell.member("a"), b = cell.member("b");
  ASSERT_TRUE(a->claim(kUser, 5));
  auto older = b->claim(kUser, 4), same = b->claim(kUser, 5);
  ASSERT_FALSE(older);
  EXPECT_EQ(older.error(), errc::not_owner);
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error(), errc::not_owner);
  ASSERT_TRUE(b->claim(kUser, 6));
  auto back = a->claim(kUser, 5);
  ASSERT_FALSE(back) << "a stale owner never claims the user back, not even on a retry";
  EXPECT_EQ(back.error(), errc::not_owner);
  EXPECT_TRUE(b->claim(kUser, 3)) << "the holder's claim at an older ring still holds";
  EXPECT_TRUE(a->claim(kUser, 7));
}

TEST(MariaDbFencing, AStaleOwnersAppendIsRefusedAndTheQueueDoesNotFork) {
  Cell cell;
  auto a = cell.member("a"), b = cell.member("b");
  ASSERT_TRUE(a->claim(kUser, 1));
  ASSERT_TRUE(a->append(one(kUser, "a1")));
  ASSERT_TRUE(a->append(one(kUser, "a2")));
  ASSERT_TRUE(b->claim(kUser, 2));
  auto b3 = b->append(one(kUser, "b3"));
  ASSERT_TRUE(b3) << b3.error().message();
  EXPECT_EQ(b3->positions.front().seq, Seq{3}) << "the new owner reads the head a left";

  auto stale = a->append(one(kUser, "a paused, then resumed"));  // a still believes it owns kUser
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error(), errc::not_owner);
  AppendRequest both = one(UserId{7}, "to an unclaimed user");
  both.entries.push_back(one(kUser, "and to b's user").entries.front());
  auto whole = a->append(std::move(both));
  ASSERT_FALSE(whole) << "a request is refused whole";
  EXPECT_EQ(whole.error(), errc::not_owner);
  EXPECT_EQ(a->stats().not_owner_refusals, 2u);
  EXPECT_FALSE(a->info(UserId{7}).value().exists()) << "nothing of the refused request was written";

  const auto all = b->read(kUser, Seq{1}, 10).value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(std::get<core::MessageCreated>(all[2].body).text, "b3");
  EXPECT_TRUE(a->append(one(UserId{8}, "users nobody claimed are appended to")));
}

TEST(MariaDbFencing, AClaimWaitsForTheOldOwnersAppendInFlightAndSeesIt) {
  Cell cell;
  auto a = cell.member("a"), b = cell.member("b");
  ASSERT_TRUE(a->claim(kUser, 1));
  ASSERT_TRUE(a->append(one(kUser, "a1")));
  // The old owner's append transaction, paused after locking the owner row (what a fenced
  // group's prefetch does) and before its COMMIT.
  const MariaDbOptions o = server().options(cell.database);
  auto old_owner = mariadb::Connection::open(*mariadb::parse_server(o.servers[0]), o);
  ASSERT_TRUE(old_owner);
  ASSERT_TRUE(old_owner->query("START TRANSACTION;" + mariadb::detail::lock_owners_sql({kUser.value()})));
  auto claim = std::async(std::launch::async, [&] { return b->claim(kUser, 2); });
  EXPECT_EQ(claim.wait_for(300ms), std::future_status::timeout) << "the claim waits for the row lock";
  // The old owner's append commits (its seq 2) while the claim waits.
  ASSERT_TRUE(old_owner->execute(
      "INSERT INTO queue_updates (user_id, seq, actor, record) SELECT user_id, 2, actor, record "
      "FROM queue_updates WHERE user_id = 42 AND seq = 1;"
      "UPDATE queue_meta SET head_seq = 2 WHERE user_id = 42;COMMIT"));
  auto claimed = claim.get();
  ASSERT_TRUE(claimed) << claimed.error().message();
  auto next = b->append(one(kUser, "b"));
  ASSERT_TRUE(next) << next.error().message();
  EXPECT_EQ(next->positions.front().seq, Seq{3}) << "the new owner appends after the old owner's last commit";
}

TEST(MariaDbFencing, AClaimBlockedLongerThanClaimWaitFailsWithUnavailable) {
  Cell cell;
  auto a = cell.member("a"), b = cell.member("b", 1s);
  ASSERT_TRUE(a->claim(kUser, 1));
  const MariaDbOptions o = server().options(cell.database);
  auto old_owner = mariadb::Connection::open(*mariadb::parse_server(o.servers[0]), o);
  ASSERT_TRUE(old_owner);
  ASSERT_TRUE(old_owner->query("START TRANSACTION;" + mariadb::detail::lock_owners_sql({kUser.value()})));
  const auto t0 = std::chrono::steady_clock::now();
  auto blocked = b->claim(kUser, 2);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error(), errc::unavailable);
  ASSERT_TRUE(old_owner->execute("ROLLBACK"));
  Result<void> later = fail(errc::unavailable);
  for (int i = 0; i < 100 && !later; ++i) {  // the store reconnects after its backoff
    later = b->claim(kUser, 2);
    if (!later) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(later);
}

TEST(MariaDbFencing, AClaimDropsTheCachedHeadSoTheQueueIsReadAgain) {
  Cell cell;
  auto a = cell.member("a"), b = cell.member("b");
  ASSERT_TRUE(a->claim(kUser, 1));
  ASSERT_TRUE(a->append(one(kUser, "a1")));  // a caches head 1
  ASSERT_TRUE(b->claim(kUser, 2));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b->append(one(kUser, "b")));
  ASSERT_TRUE(a->claim(kUser, 3));  // the user comes back to a
  auto again = a->append(one(kUser, "a again"));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->positions.front().seq, Seq{5});
  EXPECT_EQ(a->read(kUser, Seq{1}, 10).value().size(), 5u);
}

TEST(MariaDbFencing, AStoreNotToldItsOwnerNameClaimsNothingAndAppendsAsBefore) {
  const std::string database = server().fresh_database();
  auto s = open_mariadb_queue_store({}, server().options(database));
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->claim(kUser, 9));
  ASSERT_TRUE((*s)->append(one(kUser, "x")));
  auto fenced = open_mariadb_queue_store({}, server().options(database));
  ASSERT_TRUE(fenced);
  ASSERT_TRUE((*fenced)->fence_as("a"));
  EXPECT_TRUE((*fenced)->claim(kUser, 1)) << "the unfenced store wrote no owner row";
  EXPECT_FALSE((*fenced)->fence_as(std::string(256, 'x')));
}

}  // namespace
}  // namespace iris::store::testing
