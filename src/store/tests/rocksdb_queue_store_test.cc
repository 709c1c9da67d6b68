// RocksDB-specific behaviour: persistence across reopen, agreement with the in-memory model
// over random operations, corrupt records, open failures, and async group commit.
#include "store/rocksdb/rocksdb_queue_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <atomic>
#include <fstream>
#include <future>

#include "core/errc.h"
#include "core/testing/random_updates.h"
#include "store/detail/record_codec.h"
#include "store/errc.h"
#include "store/memory/memory_queue_store.h"
#include "store/tests/queue_store_model_check.h"
#include "store/tests/temp_dir.h"

namespace iris::store {
namespace {

using core::testing::message;
using namespace std::chrono_literals;

std::unique_ptr<QueueStore> open_at(const std::string& path, StoreOptions o = {}) {
  o.path = path;
  auto s = open_rocksdb_queue_store(o);
  EXPECT_TRUE(s) << s.error().message();
  return std::move(s.value());
}

AppendRequest one(UserId user, std::string text) {
  AppendRequest r;
  r.entries.push_back({user, message(core::ThreadId{1}, user, std::move(text))});
  return r;
}

TEST(RocksDbQueueStore, ASendersShareOfAQueueIsCountedAgainAfterReopen) {
  testing::TempDir dir;
  const StoreOptions o{.max_queue_length = 100, .max_sender_share = 2};
  const UserId victim{1}, flooder{9};
  const auto send = [&](QueueStore& s) {
    AppendRequest r;
    r.entries.push_back({victim, message(core::ThreadId{1}, flooder, "m")});
    return s.append(std::move(r));
  };
  {
    auto s = open_at(dir.str(), o);
    ASSERT_TRUE(send(*s));
    ASSERT_TRUE(send(*s));
    auto over = send(*s);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error(), core::errc::share_full);
  }
  auto s = open_at(dir.str(), o);
  auto over = send(*s);
  ASSERT_FALSE(over) << "counted from the queue itself";
  EXPECT_EQ(over.error(), core::errc::share_full);
  EXPECT_TRUE(s->append(one(victim, "own")));
}

TEST(RocksDbQueueStore, ReopenRecoversQueuesCursorsAndKeys) {
  testing::TempDir dir;
  QueueInfo before;
  {
    auto s = open_at(dir.str());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(s->append(one(UserId{1}, std::to_string(i))));
    AppendRequest keyed = one(UserId{1}, "keyed");
    keyed.idempotency = core::IdempotencyKey{UserId{1}, core::ClientMsgId{1, 1}};
    ASSERT_TRUE(s->append(std::move(keyed)));
    ASSERT_TRUE(s->advance_cursor(UserId{1}, core::CursorName::storage(), Seq{4}));
    ASSERT_TRUE(s->trim_to(UserId{1}, Seq{2}));
    before = s->info(UserId{1}).value();
  }
  auto s = open_at(dir.str());
  EXPECT_EQ(s->info(UserId{1}).value(), before);
  EXPECT_EQ(before.first_retained, Seq{3});
  EXPECT_EQ(before.head, Seq{11});
  EXPECT_EQ(s->cursor(UserId{1}, core::CursorName::storage()).value(), Seq{4});
  AppendRequest retry = one(UserId{1}, "keyed");
  retry.idempotency = core::IdempotencyKey{UserId{1}, core::ClientMsgId{1, 1}};
  auto dup = s->append(std::move(retry));
  ASSERT_TRUE(dup);
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(dup->positions.front().seq, Seq{11});
  EXPECT_EQ(s->append(one(UserId{1}, "next"))->positions.front().seq, Seq{12});
}

// Random operations applied to RocksDB and to the in-memory model must give the same
// answers, and the RocksDB store must still give them after a reopen.
TEST(RocksDbQueueStore, AgreesWithTheInMemoryModelOverRandomOperations) {
  testing::TempDir dir;
  testing::expect_agrees_with_model([&](const StoreOptions& o) { return open_at(dir.str(), o); });
}

TEST(RocksDbQueueStore, GroupsOfMixedOperationsAgreeWithTheInMemoryModel) {
  testing::TempDir dir;
  testing::expect_groups_agree_with_model([&](const StoreOptions& o) { return open_at(dir.str(), o); });
}

TEST(RocksDbQueueStore, ReportsACorruptRecordInsteadOfCrashing) {
  testing::TempDir dir;
  {
    auto s = open_at(dir.str());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(s->append(one(UserId{1}, "x")));
  }
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir.str(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), detail::update_key(UserId{1}, Seq{2}), "\x01\x63garbage").ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), detail::meta_key(UserId{7}), "\x09").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto s = open_at(dir.str());
  EXPECT_EQ(s->read(UserId{1}, Seq{1}, 10).error(), errc::corrupt_record);
  EXPECT_EQ(s->read(UserId{1}, Seq{1}, 1).value().size(), 1u) << "records before it still read";
  EXPECT_EQ(s->info(UserId{7}).error(), errc::corrupt_record);
  EXPECT_EQ(s->append(one(UserId{7}, "x")).error(), errc::corrupt_record)
      << "an append to a queue whose meta is corrupt is refused, not guessed";
  EXPECT_TRUE(s->append(one(UserId{1}, "still fine")));
}

TEST(RocksDbQueueStore, OpenFailsClearlyWhenThePathIsAFile) {
  testing::TempDir dir;
  const auto file = dir.path() / "not-a-dir";
  std::ofstream(file) << "x";
  StoreOptions o;
  o.path = (file / "queue").string();
  auto s = open_rocksdb_queue_store(o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), errc::open_failed);
}

TEST(RocksDbQueueStore, AsyncAppendsCompleteOnceEachInSubmissionOrder) {
  testing::TempDir dir;
  auto s = open_at(dir.str());
  constexpr int kOps = 5000;
  std::atomic<int> completed{0};
  std::vector<std::uint64_t> order;
  order.reserve(kOps);
  std::promise<void> all_done;
  for (int i = 0; i < kOps; ++i) {
    s->async_append(one(UserId{1}, std::to_string(i)), [&, i](Result<AppendResult> r) {
      ASSERT_TRUE(r);
      EXPECT_EQ(r->positions.front().seq, Seq{static_cast<std::uint64_t>(i + 1)});
      order.push_back(r->positions.front().seq.value());  // callbacks run on one thread
      if (++completed == kOps) all_done.set_value();
    });
  }
  all_done.get_future().wait();
  EXPECT_EQ(completed.load(), kOps);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
}

TEST(RocksDbQueueStore, RefusesWritesBeyondMaxPending) {
  testing::TempDir dir;
  auto s = open_at(dir.str(), StoreOptions{.max_pending = 1});
  std::atomic<int> overloaded{0}, ok{0};
  std::promise<void> done;
  std::atomic<int> left{200};
  for (int i = 0; i < 200; ++i) {
    s->async_append(one(UserId{1}, "x"), [&](Result<AppendResult> r) {
      if (r) ++ok;
      else if (r.error() == errc::overloaded) ++overloaded;
      if (--left == 0) done.set_value();
    });
  }
  done.get_future().wait();
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(overloaded.load(), 0) << "a full commit queue refuses instead of growing";
  EXPECT_EQ(ok.load() + overloaded.load(), 200);
  EXPECT_EQ(s->info(UserId{1}).value().head.value(), static_cast<std::uint64_t>(ok.load()));
}

}  // namespace
}  // namespace iris::store

namespace iris::store {
namespace {

TEST(RocksDbQueueStore, StatsCountOneCommitLatencyPerGroupCommitAndStayWritable) {
  testing::TempDir dir;
  auto store = open_at(dir.str());
  EXPECT_TRUE(store->stats().writable);
  EXPECT_EQ(store->stats().commits.count, 0u);
  ASSERT_TRUE(store->append(one(UserId{1}, "a")));
  ASSERT_TRUE(store->append(one(UserId{2}, "b")));
  const StoreStats stats = store->stats();
  EXPECT_TRUE(stats.writable);
  EXPECT_EQ(stats.commits.count, 2u);  // blocking appends: one group each
  std::uint64_t in_buckets = 0;
  for (auto c : stats.commits.counts) in_buckets += c;
  EXPECT_EQ(in_buckets, 2u);
  EXPECT_GT(stats.commits.sum_seconds, 0.0);
}

}  // namespace
}  // namespace iris::store
