// The SQLite wrapper: ids stored one way, errors returned as the owner's code, RAII.
#include "sqlite/database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <limits>
#include <vector>

namespace iris::sqlite {
namespace {

class TempFile {
 public:
  TempFile() {
    static int counter = 0;
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("iris-sqlite-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".db");
    std::filesystem::remove(path_);
  }
  ~TempFile() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

OpenOptions owned_by(std::error_code error) {
  OpenOptions o;
  o.log_component = "test";
  o.error = error;
  return o;
}

TEST(SqliteDatabase, StoresU64IdsAsTheIntegerWithTheSameBits) {
  TempFile f;
  auto db = Database::open(f.str(), {});
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t(id INTEGER PRIMARY KEY)"));
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t top = std::uint64_t{1} << 63;
  for (std::uint64_t v : std::vector<std::uint64_t>{0, 5, top - 1, top, max}) {
    ASSERT_TRUE(db->prepare("INSERT INTO t(id) VALUES(?1)").bind_u64(1, v).run());
  }
  // The on-disk value is the id's bits as a signed integer: 5 is 5, 2^63 is INT64_MIN.
  auto raw = db->prepare("SELECT id FROM t ORDER BY id");
  std::vector<std::int64_t> stored;
  std::vector<std::uint64_t> read;
  while (raw.step().value()) {
    stored.push_back(raw.i64(0));
    read.push_back(raw.u64(0));
  }
  EXPECT_EQ(stored, (std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), -1, 0, 5,
                                               std::numeric_limits<std::int64_t>::max()}));
  EXPECT_EQ(read, (std::vector<std::uint64_t>{top, max, 0, 5, top - 1}));
}

TEST(SqliteDatabase, RowValueWithSignOrdersIdsAsU64) {
  TempFile f;
  auto db = Database::open(f.str(), {});
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t(id INTEGER PRIMARY KEY)"));
  const std::uint64_t top = std::uint64_t{1} << 63;
  const std::uint64_t max = ~std::uint64_t{0};
  for (std::uint64_t v : std::vector<std::uint64_t>{top + 1, 7, max, 1}) {
    ASSERT_TRUE(db->prepare("INSERT INTO t(id) VALUES(?1)").bind_u64(1, v).run());
  }
  auto s = db->prepare("SELECT id FROM t ORDER BY id < 0, id");
  std::vector<std::uint64_t> read;
  while (s.step().value()) read.push_back(s.u64(0));
  EXPECT_EQ(read, (std::vector<std::uint64_t>{1, 7, top + 1, max}));
}

TEST(SqliteDatabase, FailuresComeBackAsTheOwnersErrorCode) {
  TempFile f;
  const auto mine = std::make_error_code(std::errc::no_such_device);
  auto db = Database::open(f.str(), owned_by(mine));
  ASSERT_TRUE(db);
  auto bad = db->prepare("SELECT * FROM no_such_table");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.step().error(), mine);
  EXPECT_EQ(db->exec("NOT SQL").error(), mine);
  ASSERT_TRUE(db->exec("CREATE TABLE t(id INTEGER PRIMARY KEY)"));
  auto insert = db->prepare("INSERT INTO t(id) VALUES(?1)");
  ASSERT_TRUE(insert.bind(1, std::int64_t{1}).run());
  EXPECT_EQ(insert.bind(1, std::int64_t{1}).run().error(), mine) << "a constraint failure";
  EXPECT_TRUE(insert.bind(1, std::int64_t{2}).run()) << "the statement is reusable after a failure";
}

TEST(SqliteDatabase, OpenFailsWithTheOwnersCodeWhenTheFileCannotBeCreated) {
  const auto mine = std::make_error_code(std::errc::no_such_device);
  auto db = Database::open("/nonexistent-dir-iris/x.db", owned_by(mine));
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error(), mine);
}

TEST(SqliteDatabase, ReadOnlyConnectionRefusesWrites) {
  TempFile f;
  {
    auto rw = Database::open(f.str(), {});
    ASSERT_TRUE(rw);
    ASSERT_TRUE(rw->exec("CREATE TABLE t(x)"));
  }
  OpenOptions o;
  o.access = Access::read_only;
  auto ro = Database::open(f.str(), o);
  ASSERT_TRUE(ro);
  EXPECT_FALSE(ro->exec("INSERT INTO t VALUES(1)"));
}

TEST(SqliteDatabase, ResetUnbindsEveryParameter) {
  TempFile f;
  auto db = Database::open(f.str(), {});
  ASSERT_TRUE(db);
  auto s = db->prepare("SELECT ?1 IS NULL");
  s.bind(1, std::int64_t{3});
  ASSERT_TRUE(s.step().value());
  EXPECT_EQ(s.i64(0), 0);
  s.reset();
  ASSERT_TRUE(s.step().value());
  EXPECT_EQ(s.i64(0), 1);
}

TEST(SqliteDatabase, EmptyBlobIsABlobNotNull) {
  TempFile f;
  auto db = Database::open(f.str(), {});
  ASSERT_TRUE(db);
  auto s = db->prepare("SELECT typeof(?1)");
  s.bind_blob(1, std::string_view{});
  ASSERT_TRUE(s.step().value());
  EXPECT_EQ(s.text(0), "blob");
}

}  // namespace
}  // namespace iris::sqlite
