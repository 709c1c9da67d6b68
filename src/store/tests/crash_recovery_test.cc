// Crash test: a writer child (crash_writer.cc) appends and prints each acknowledged append;
// it is killed with SIGKILL at random moments, 25 times, and after each kill the store is
// reopened and checked (crash_harness.h): every acknowledged update is present at the seq it
// was acknowledged with, both queues are gapless, nothing appears twice, and every append is
// in both queues or in neither.
#include <gtest/gtest.h>

#include <random>

#include "store/rocksdb/rocksdb_queue_store.h"
#include "store/tests/crash_harness.h"
#include "store/tests/temp_dir.h"

namespace iris::store {
namespace {

using testing::Ack;
using testing::run_and_kill;

TEST(CrashRecovery, EveryAcknowledgedAppendSurvivesSigkill) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "queue").string();
  std::mt19937 rng(std::random_device{}());
  std::map<std::string, Ack> acked;
  std::size_t total_acks = 0;

  for (int run = 1; run <= 25; ++run) {
    // Kill at random moments, from before the store is open to well into steady writing.
    const int millis = static_cast<int>(rng() % 400);
    auto acks = run_and_kill({"rocksdb", db}, run, millis);
    total_acks += acks.size();
    acked.insert(acks.begin(), acks.end());

    StoreOptions o;
    o.path = db;
    auto opened = open_rocksdb_queue_store(o);
    ASSERT_TRUE(opened) << "reopen after kill " << run;
    testing::expect_acknowledged_survived(**opened, acked, run);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(total_acks, 100u) << "the writer acknowledged too little for the test to mean much";
}

TEST(CrashRecovery, RetryAfterRestartIsAnsweredFromTheIdempotencyRecord) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "queue").string();
  auto acks = run_and_kill({"rocksdb", db}, 1, 300);
  ASSERT_FALSE(acks.empty());
  StoreOptions o;
  o.path = db;
  auto s = std::move(open_rocksdb_queue_store(o).value());
  const auto head = s->info(UserId{1}).value().head;
  // Re-send the first acknowledged append (producer 0, counter 0) with the same key.
  ASSERT_TRUE(acks.count("r1p0c0"));
  AppendRequest retry;
  retry.entries.push_back({UserId{1}, Update{}});
  retry.entries.push_back({UserId{2}, Update{}});
  retry.idempotency = core::IdempotencyKey{UserId{1}, core::ClientMsgId{1, 0}};
  auto r = s->append(std::move(retry));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->duplicate);
  EXPECT_EQ(r->positions[0].seq, Seq{acks["r1p0c0"].seq1});
  EXPECT_EQ(r->positions[1].seq, Seq{acks["r1p0c0"].seq2});
  EXPECT_EQ(s->info(UserId{1}).value().head, head);
}

}  // namespace
}  // namespace iris::store
