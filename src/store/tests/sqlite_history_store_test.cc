// The SQLite history store beyond the shared contract: durability across reopen, real
// failures (a directory that cannot exist), recovery without a restart, and agreement with
// the in-memory model on random histories.
#include "store/sqlite/sqlite_history_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "store/errc.h"
#include "store/memory/memory_history_store.h"
#include "store/tests/random_history.h"
#include "store/tests/temp_dir.h"

namespace iris::store {
namespace {

using core::Epoch;
using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::Update;
using core::UserId;

Update message(std::uint64_t seq, std::uint64_t id) {
  return Update{Seq{seq}, core::Timestamp{std::chrono::milliseconds{seq}}, ThreadId{1}, UserId{2},
                core::MessageCreated{MessageId{id}, core::ClientMsgId{0, id}, "m", std::nullopt}};
}

TEST(SqliteHistoryStore, KeepsAppliedHistoryAcrossReopen) {
  testing::TempDir dir;
  const HistoryStoreOptions o{(dir.path() / "h").string(), std::chrono::milliseconds{0}};
  {
    auto s = open_sqlite_history_store(o);
    ASSERT_TRUE(s->apply(std::vector<HistoryBatch>{{UserId{1}, Epoch{3}, {message(1, 10), message(2, 11)}}}));
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "h" / "history.sqlite3"));
  auto s = open_sqlite_history_store(o);
  EXPECT_EQ(s->position(UserId{1}).value(), (HistoryPosition{Epoch{3}, Seq{2}}));
  EXPECT_EQ(s->updates(UserId{1}, Seq{1}, 10)->size(), 2u);
}

TEST(SqliteHistoryStore, UnopenableDirectoryFailsEveryCallThenRecovers) {
  testing::TempDir dir;
  // A regular file where the directory's parent should be: creating it fails even for root,
  // unlike a read-only mode.
  const auto blocker = dir.path() / "blocker";
  std::ofstream(blocker) << "not a directory";
  const HistoryStoreOptions o{(blocker / "history").string(), std::chrono::milliseconds{0}};
  auto s = open_sqlite_history_store(o);
  auto r = s->apply(std::vector<HistoryBatch>{{UserId{1}, Epoch{3}, {message(1, 10)}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::unavailable);
  EXPECT_EQ(s->position(UserId{1}).error(), errc::unavailable);
  EXPECT_FALSE(s->inbox(UserId{1}, 5));

  std::filesystem::remove(blocker);  // the disk comes back
  auto pos = s->position(UserId{1});
  ASSERT_TRUE(pos) << "a read alone reopens the store";
  EXPECT_EQ(*pos, HistoryPosition{});
  ASSERT_TRUE(s->apply(std::vector<HistoryBatch>{{UserId{1}, Epoch{3}, {message(1, 10)}}}));
  EXPECT_EQ(s->position(UserId{1})->seq, Seq{1});
}

TEST(SqliteHistoryStore, ReopenIsRateLimitedDuringAnOutage) {
  testing::TempDir dir;
  const auto blocker = dir.path() / "blocker";
  std::ofstream(blocker) << "x";
  auto s = open_sqlite_history_store({(blocker / "history").string(), std::chrono::hours{1}});
  std::filesystem::remove(blocker);
  EXPECT_EQ(s->apply(std::vector<HistoryBatch>{{UserId{1}, Epoch{3}, {message(1, 10)}}}).error(),
            errc::unavailable)
      << "no new attempt before reopen_interval";
}

// Random histories over a few threads and message ids (some above 2^63) with every kind of
// update: SQLite must materialize exactly what the model does.
TEST(SqliteHistoryStore, AgreesWithTheModelOnRandomHistories) {
  testing::TempDir dir;
  auto sql = open_sqlite_history_store({(dir.path() / "h").string(), std::chrono::milliseconds{0}});
  testing::expect_agrees_with_the_model_on_random_histories(*sql);
}

}  // namespace
}  // namespace iris::store
