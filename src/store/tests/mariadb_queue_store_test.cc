// The MariaDB queue store against a real server (one per test binary, mariadb_server.h): the
// conformance suite, the randomized model checks, the SIGKILL crash test, and the failures
// of the database itself (down, killed, read-only, a newer schema).
#include "store/mariadb/mariadb_queue_store.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <random>

#include "core/errc.h"
#include "core/testing/random_updates.h"
#include "store/errc.h"
#include "store/mariadb/connection.h"
#include "store/mariadb/queue_schema.h"
#include "store/tests/crash_harness.h"
#include "store/tests/mariadb_server.h"
#include "store/tests/queue_store_conformance.h"
#include "store/tests/queue_store_model_check.h"

namespace iris::store::testing {
namespace {

MariaDbServer& server() {
  MariaDbServer* s = MariaDbServer::shared();
  if (!s) {
    std::fprintf(stderr, "the MariaDB server for the tests did not start\n");
    std::abort();
  }
  return *s;
}

std::unique_ptr<QueueStore> open_on(const MariaDbOptions& m, const StoreOptions& o = {}) {
  auto s = open_mariadb_queue_store(o, m);
  EXPECT_TRUE(s) << s.error().message();
  return s ? std::move(*s) : nullptr;
}

// A fresh database per test: the suite's stores never see each other's queues.
struct MariaDbBackend {
  std::string database = server().fresh_database();
  std::unique_ptr<QueueStore> open(const StoreOptions& o) { return open_on(server().options(database), o); }
};

using Backends = ::testing::Types<MariaDbBackend>;
INSTANTIATE_TYPED_TEST_SUITE_P(MariaDb, QueueStoreConformance, Backends);

AppendRequest to(UserId user, std::string text) { return one(user, std::move(text)); }

TEST(MariaDbQueueStore, AgreesWithTheInMemoryModelOverRandomOperations) {
  MariaDbBackend b;
  expect_agrees_with_model([&](const StoreOptions& o) { return b.open(o); }, 1500);
}

TEST(MariaDbQueueStore, GroupsOfMixedOperationsAgreeWithTheInMemoryModel) {
  MariaDbBackend b;
  expect_groups_agree_with_model([&](const StoreOptions& o) { return b.open(o); });
}

// Several groups in flight (MariaDbOptions::commit_connections): a group stuck on one user's
// row lock holds up only that user, and that user's own later append waits behind it.
TEST(MariaDbQueueStore, AGroupStuckOnOneUsersLockHoldsUpOnlyThatUser) {
  MariaDbBackend b;
  MariaDbOptions m = server().options(b.database);
  m.commit_connections = 2;
  auto s = open_on(m);
  ASSERT_TRUE(s->append(to(UserId{1}, "first")));
  auto blocker = mariadb::Connection::open(*mariadb::parse_server(m.servers.front()), m);
  ASSERT_TRUE(blocker);
  ASSERT_TRUE(blocker->execute("START TRANSACTION; SELECT * FROM queue_meta WHERE user_id = 1 FOR UPDATE"));

  std::promise<Result<AppendResult>> stuck_done, behind_done;
  s->async_append(to(UserId{1}, "stuck"), [&](Result<AppendResult> r) { stuck_done.set_value(r); });
  s->async_append(to(UserId{1}, "behind"), [&](Result<AppendResult> r) { behind_done.set_value(r); });
  auto stuck = stuck_done.get_future(), behind = behind_done.get_future();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the stuck group is in flight
  std::promise<Result<AppendResult>> other_done;
  s->async_append(to(UserId{2}, "free"), [&](Result<AppendResult> r) { other_done.set_value(r); });
  auto other_future = other_done.get_future();
  const bool other_in_time = other_future.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  const bool stuck_meanwhile = stuck.wait_for(std::chrono::seconds(0)) == std::future_status::timeout;
  const bool behind_meanwhile = behind.wait_for(std::chrono::seconds(0)) == std::future_status::timeout;
  ASSERT_TRUE(blocker->execute("COMMIT"));
  ASSERT_TRUE(other_in_time) << "user 2's group did not wait for user 1's";
  auto other = other_future.get();
  ASSERT_TRUE(other) << other.error().message();
  EXPECT_TRUE(stuck_meanwhile) << "user 1's group waited for the lock";
  EXPECT_TRUE(behind_meanwhile) << "user 1's next append waited behind it: its order";
  ASSERT_EQ(stuck.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  ASSERT_EQ(behind.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(stuck.get()->positions.front().seq, Seq{2});
  EXPECT_EQ(behind.get()->positions.front().seq, Seq{3});
}

TEST(MariaDbQueueStore, ReopenKeepsQueuesCursorsAndKeys) {
  MariaDbBackend b;
  QueueInfo before;
  {
    auto s = b.open({});
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(s->append(to(UserId{1}, std::to_string(i))));
    AppendRequest keyed = to(UserId{1}, "keyed");
    keyed.idempotency = core::IdempotencyKey{UserId{1}, core::ClientMsgId{1, 1}};
    ASSERT_TRUE(s->append(std::move(keyed)));
    ASSERT_TRUE(s->advance_cursor(UserId{1}, core::CursorName::storage(), Seq{4}));
    ASSERT_EQ(s->trim_to(UserId{1}, Seq{2}), 2u);
    before = s->info(UserId{1}).value();
  }
  auto s = b.open({});
  EXPECT_EQ(s->info(UserId{1}).value(), before);
  EXPECT_EQ(before.first_retained, Seq{3});
  EXPECT_EQ(s->cursor(UserId{1}, core::CursorName::storage()).value(), Seq{4});
  AppendRequest retry = to(UserId{1}, "keyed");
  retry.idempotency = core::IdempotencyKey{UserId{1}, core::ClientMsgId{1, 1}};
  auto dup = s->append(std::move(retry));
  ASSERT_TRUE(dup);
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(dup->positions.front().seq, Seq{11});
  EXPECT_EQ(s->append(to(UserId{1}, "next"))->positions.front().seq, Seq{12});
}

TEST(MariaDbQueueStore, ASchemaFromANewerVersionIsRefusedAtOpen) {
  MariaDbBackend b;
  ASSERT_TRUE(b.open({}));
  ASSERT_TRUE(server().admin("UPDATE " + b.database + ".schema_version SET version = " +
                             std::to_string(mariadb::kQueueSchemaVersion + 1) + " WHERE component = 'queue'"));
  auto s = open_mariadb_queue_store({}, server().options(b.database));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), errc::open_failed);
}

TEST(MariaDbQueueStore, OpenFailsClearlyWhenNoServerAnswers) {
  MariaDbOptions m = server().options(server().fresh_database());
  m.servers = {"127.0.0.1:1"};
  auto s = open_mariadb_queue_store({}, m);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), errc::open_failed);
}

TEST(MariaDbQueueStore, AReadOnlyServerFailsAppendsWithUnavailableUntilItIsWritableAgain) {
  MariaDbBackend b;
  auto s = b.open({});
  ASSERT_TRUE(s->append(to(UserId{1}, "before")));
  ASSERT_TRUE(server().admin("SET GLOBAL read_only = 1"));
  auto refused = s->append(to(UserId{1}, "while read-only"));
  const bool writable_meanwhile = s->stats().writable;
  ASSERT_TRUE(server().admin("SET GLOBAL read_only = 0"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), errc::unavailable);
  EXPECT_FALSE(writable_meanwhile) << "/healthz says 503 while no server is writable";
  // Reconnects by itself (after its backoff): bounded retry.
  Result<AppendResult> after = fail(errc::unavailable);
  for (int i = 0; i < 100 && !after; ++i) {
    after = s->append(to(UserId{1}, "after"));
    if (!after) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ(after->positions.front().seq, Seq{2}) << "nothing refused took a seq";
  EXPECT_TRUE(s->stats().writable);
  const auto all = s->read(UserId{1}, Seq{1}, 10).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(std::get<core::MessageCreated>(all[1].body).text, "after");
}

TEST(MariaDbQueueStore, AFailoverGenerationBumpChangesEveryQueuesEpochAndSeqsGoOn) {
  MariaDbBackend b;
  auto s = b.open({});
  ASSERT_TRUE(s->append(to(UserId{1}, "a")));
  ASSERT_TRUE(s->append(to(UserId{2}, "b")));
  const auto e1 = s->info(UserId{1}).value().epoch, e2 = s->info(UserId{2}).value().epoch;
  EXPECT_EQ(s->epoch_generation(), 0u);
  // What the failover monitor does when the promoted replica may lack acknowledged writes.
  ASSERT_TRUE(server().admin("INSERT INTO " + b.database + ".failover_generation (id, generation) "
                             "VALUES (1, 1) ON DUPLICATE KEY UPDATE generation = generation + 1"));
  const auto after1 = s->info(UserId{1}).value(), after2 = s->info(UserId{2}).value();
  EXPECT_NE(after1.epoch, e1);
  EXPECT_NE(after2.epoch, e2);
  EXPECT_NE(after1.epoch, after2.epoch);
  EXPECT_EQ(after1.head, Seq{1});
  EXPECT_EQ(s->epoch_generation(), 1u) << "the sync shards learn of it to re-read their users' epochs";
  auto next = s->append(to(UserId{1}, "c"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->positions.front().seq, Seq{2});
  EXPECT_EQ(s->info(UserId{1}).value().epoch, after1.epoch) << "stable within a generation";
}

// A second server of the binary's own, for the tests that kill or fence one.
MariaDbServer& spare() {
  static std::unique_ptr<MariaDbServer> s = [] {
    std::string why;
    auto started = MariaDbServer::start(why);
    if (!started) {
      std::fprintf(stderr, "the spare MariaDB server did not start: %s\n", why.c_str());
      std::abort();
    }
    return started;
  }();
  return *s;
}

TEST(MariaDbQueueStore, AKilledServerFailsAppendsWithUnavailableAndTheStoreReconnectsAfterItsRestart) {
  MariaDbServer& db = spare();
  const std::string name = db.fresh_database();
  auto s = open_on(db.options(name));
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->append(to(UserId{1}, "a")));
  const auto epoch = s->info(UserId{1}).value().epoch;
  db.kill9();
  auto down = s->append(to(UserId{1}, "while down"));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error(), errc::unavailable);
  EXPECT_EQ(s->info(UserId{1}).error(), errc::unavailable) << "reads too";
  std::string why;
  ASSERT_TRUE(db.restart(why)) << why;
  Result<AppendResult> after = fail(errc::unavailable);
  for (int i = 0; i < 200 && !after; ++i) {
    after = s->append(to(UserId{1}, "after restart"));
    if (!after) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ(after->positions.front().seq, Seq{2});
  EXPECT_EQ(s->info(UserId{1}).value().epoch, epoch);
  EXPECT_EQ(s->read(UserId{1}, Seq{1}, 10).value().size(), 2u);
}

// The failover monitor's promotion as irisd sees it: the primary turns read-only, the other
// server writable; the store finds it by itself and writes there.
TEST(MariaDbQueueStore, FollowsTheWritableServerWhenThePrimaryTurnsReadOnly) {
  MariaDbServer& other = spare();
  const std::string name = "iris_failover";
  server().admin("DROP DATABASE IF EXISTS " + name);
  other.admin("DROP DATABASE IF EXISTS " + name);
  ASSERT_TRUE(server().admin("CREATE DATABASE " + name));
  ASSERT_TRUE(other.admin("CREATE DATABASE " + name));
  ASSERT_TRUE(open_on(other.options(name)));  // its schema (a real replica has it replicated)
  ASSERT_TRUE(other.admin("SET GLOBAL read_only = 1"));
  MariaDbOptions pair = server().options(name);
  pair.servers = {server().address(), other.address()};
  auto s = open_on(pair);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->append(to(UserId{1}, "on the first")));

  ASSERT_TRUE(server().admin("SET GLOBAL read_only = 1"));
  ASSERT_TRUE(other.admin("SET GLOBAL read_only = 0"));
  auto moved = s->append(to(UserId{2}, "on the second"));
  ASSERT_TRUE(server().admin("SET GLOBAL read_only = 0"));
  ASSERT_TRUE(moved) << "found the newly writable server within the same group";
  auto rows = [&](MariaDbServer& srv) {
    auto c = mariadb::Connection::open(*mariadb::parse_server(srv.address()), srv.options(name));
    return c->query_one("SELECT user_id FROM queue_updates").value().size();
  };
  EXPECT_EQ(rows(server()), 1u);
  EXPECT_EQ(rows(other), 1u);
}

TEST(MariaDbQueueStore, EveryAcknowledgedAppendSurvivesSigkillOfTheWriter) {
  const std::string name = server().fresh_database();
  const MariaDbOptions m = server().options(name);
  const std::vector<std::string> backend = {"mariadb", server().address(), name, m.user, m.password};
  std::mt19937 rng(std::random_device{}());
  std::map<std::string, Ack> acked;
  std::size_t total_acks = 0;
  for (int run = 1; run <= 22; ++run) {
    const int millis = 50 + static_cast<int>(rng() % 400);
    auto acks = run_and_kill(backend, run, millis);
    total_acks += acks.size();
    acked.insert(acks.begin(), acks.end());
    // The killed writer's last group may still commit (it was never acknowledged): check the
    // database once the server has closed the writer's sessions.
    ASSERT_TRUE(server().wait_for_no_sessions(name, std::chrono::seconds(10)));
    auto s = open_on(m);
    ASSERT_TRUE(s) << "reopen after kill " << run;
    expect_acknowledged_survived(*s, acked, run);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(total_acks, 100u) << "the writer acknowledged too little for the test to mean much";
  // A retry of an acknowledged append ("r<run>p<producer>c<counter>", client id
  // {run, producer << 32 | counter}), after all the kills, appends nothing.
  auto s = open_on(m);
  ASSERT_FALSE(acked.empty());
  const auto& [text, ack] = *acked.begin();
  unsigned long long run = 0, producer = 0, counter = 0;
  ASSERT_EQ(std::sscanf(text.c_str(), "r%llup%lluc%llu", &run, &producer, &counter), 3);
  AppendRequest retry;
  retry.entries.push_back({UserId{1}, Update{}});
  retry.entries.push_back({UserId{2}, Update{}});
  retry.idempotency = core::IdempotencyKey{UserId{1}, core::ClientMsgId{run, producer << 32 | counter}};
  const auto head = s->info(UserId{1}).value().head;
  auto r = s->append(std::move(retry));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->duplicate);
  EXPECT_EQ(r->positions[0].seq, Seq{ack.seq1});
  EXPECT_EQ(r->positions[1].seq, Seq{ack.seq2});
  EXPECT_EQ(s->info(UserId{1}).value().head, head);
}

}  // namespace
}  // namespace iris::store::testing
