// The SQLite history store's schema version 3: a message's body once per thread, per-user rows
// without the text, the migrations of version-1 and version-2 files, the refusal of a newer
// one, and a WAL that does not stay large.
#include "store/sqlite/sqlite_history_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "sqlite/database.h"
#include "store/detail/record_codec.h"
#include "store/errc.h"
#include "store/memory/memory_history_store.h"
#include "store/tests/temp_dir.h"

namespace iris::store {
namespace {

using core::Epoch;
using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::Update;
using core::UserId;

constexpr ThreadId kThread{7};

Update created(std::uint64_t seq, UserId sender, std::uint64_t id, std::string text) {
  return Update{Seq{seq}, core::Timestamp{std::chrono::milliseconds{1000 + id}}, kThread, sender,
                core::MessageCreated{MessageId{id}, core::ClientMsgId{3, id}, std::move(text), std::nullopt}};
}

std::int64_t count(const std::filesystem::path& file, const std::string& sql) {
  auto db = sqlite::Database::open(file.string(), {}).value();
  auto s = db.prepare(sql);
  EXPECT_TRUE(s.ok()) << sql;
  return s.step().value() ? s.i64(0) : -1;
}

TEST(SqliteHistorySchema, StoresAMessageBodyOncePerThreadWhateverTheRecipients) {
  testing::TempDir dir;
  auto s = open_sqlite_history_store({(dir.path() / "h").string(), std::chrono::milliseconds{0}});
  const std::string text(1024, 'x');
  std::vector<HistoryBatch> batches;
  for (std::uint64_t u = 1; u <= 250; ++u) {
    batches.push_back({UserId{u}, Epoch{u}, {created(1, UserId{1}, 500, text)}});
  }
  ASSERT_TRUE(s->apply(batches));
  const auto file = dir.path() / "h" / "history.sqlite3";
  EXPECT_EQ(count(file, "SELECT count(*) FROM bodies"), 1);
  EXPECT_EQ(count(file, "SELECT count(*) FROM log"), 250);
  EXPECT_EQ(count(file, "SELECT count(*) FROM log WHERE record IS NOT NULL"), 0)
      << "no recipient keeps its own copy of the update";
  for (std::uint64_t u : {1, 2, 250}) {
    auto m = s->messages(UserId{u}, kThread, std::nullopt, 10).value();
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].text, text);
    EXPECT_EQ(s->updates(UserId{u}, Seq{1}, 10).value(), batches[u - 1].updates);
    EXPECT_EQ(s->inbox(UserId{u}, 1)->threads.at(0).unread_count, u == 1 ? 0u : 1u);
  }
}

TEST(SqliteHistorySchema, KeepsTheOwnRecordOfAnUpdateWhoseContentDiffersFromTheThreadsBody) {
  testing::TempDir dir;
  auto s = open_sqlite_history_store({(dir.path() / "h").string(), std::chrono::milliseconds{0}});
  ASSERT_TRUE(s->apply(std::vector<HistoryBatch>{{UserId{1}, Epoch{1}, {created(1, UserId{1}, 500, "first")}},
                                                 {UserId{2}, Epoch{1}, {created(1, UserId{1}, 500, "other")}}}));
  EXPECT_EQ(s->messages(UserId{1}, kThread, std::nullopt, 1)->at(0).text, "first");
  EXPECT_EQ(s->messages(UserId{2}, kThread, std::nullopt, 1)->at(0).text, "other");
  EXPECT_EQ(s->updates(UserId{2}, Seq{1}, 1)->at(0), created(1, UserId{1}, 500, "other"));
}

TEST(SqliteHistorySchema, EditsAndDeletesForMeStayPerUser) {
  testing::TempDir dir;
  auto s = open_sqlite_history_store({(dir.path() / "h").string(), std::chrono::milliseconds{0}});
  const auto m = created(1, UserId{1}, 500, "typo");
  const Update edit{Seq{2}, m.time, kThread, UserId{1}, core::MessageEdited{MessageId{500}, "fixed"}};
  // A delete for me (an unsend is everyone's: AnUnsendLeavesNoContentOfTheMessageForAnyParticipant).
  const Update del{Seq{2}, m.time, kThread, UserId{3}, core::MessageDeleted{MessageId{500}, true}};
  ASSERT_TRUE(s->apply(std::vector<HistoryBatch>{{UserId{1}, Epoch{1}, {m, edit}},
                                                 {UserId{2}, Epoch{1}, {m}},
                                                 {UserId{3}, Epoch{1}, {m, del}}}));
  EXPECT_EQ(s->messages(UserId{1}, kThread, std::nullopt, 1)->at(0).text, "fixed");
  EXPECT_EQ(s->messages(UserId{2}, kThread, std::nullopt, 1)->at(0).text, "typo")
      << "user 2's history has not had the edit yet";
  EXPECT_TRUE(s->messages(UserId{3}, kThread, std::nullopt, 1)->empty());
  EXPECT_EQ(s->updates(UserId{3}, Seq{1}, 10)->size(), 2u) << "the log keeps the deleted message";
}

// A version-1 file as the previous irisd wrote it: ids with the top bit flipped, a full
// record per update, materialized tables.
void write_v1(const std::filesystem::path& file, UserId user, Epoch epoch, const std::vector<Update>& updates) {
  auto db = sqlite::Database::open(file.string(), {}).value();
  ASSERT_TRUE(db.exec(R"sql(
    CREATE TABLE position(user INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, seq INTEGER NOT NULL);
    CREATE TABLE updates(user INTEGER NOT NULL, seq INTEGER NOT NULL, record BLOB NOT NULL,
      PRIMARY KEY(user, seq)) WITHOUT ROWID;
    CREATE TABLE threads(user INTEGER NOT NULL, thread INTEGER NOT NULL, name TEXT NOT NULL,
      participants BLOB NOT NULL, PRIMARY KEY(user, thread)) WITHOUT ROWID;
    CREATE TABLE messages(user INTEGER NOT NULL, thread INTEGER NOT NULL, message INTEGER NOT NULL,
      sender INTEGER NOT NULL, time INTEGER NOT NULL, text TEXT NOT NULL, reply_to INTEGER,
      PRIMARY KEY(user, thread, message)) WITHOUT ROWID;
    CREATE TABLE watermarks(user INTEGER NOT NULL, thread INTEGER NOT NULL, reader INTEGER NOT NULL,
      up_to INTEGER NOT NULL, PRIMARY KEY(user, thread, reader)) WITHOUT ROWID;
    PRAGMA user_version=1;)sql"));
  const std::uint64_t flipped = user.value() ^ (1ull << 63);
  for (const auto& u : updates) {
    std::string record;
    detail::encode_update(u, record);
    ASSERT_TRUE(db.prepare("INSERT INTO updates VALUES(?1, ?2, ?3)")
                    .bind_u64(1, flipped).bind_u64(2, u.seq.value()).bind_blob(3, record).run());
  }
  ASSERT_TRUE(db.prepare("INSERT INTO position VALUES(?1, ?2, ?3)")
                  .bind_u64(1, flipped).bind_u64(2, epoch.value()).bind_u64(3, updates.back().seq.value()).run());
}

TEST(SqliteHistorySchema, MigratesAVersionOneFileByReplayingItsUpdates) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "h");
  const auto file = dir.path() / "h" / "history.sqlite3";
  const UserId alice{2};
  std::vector<Update> updates{
      Update{Seq{1}, core::Timestamp{}, kThread, alice, core::ThreadCreated{"t", {alice, UserId{3}}}},
      created(2, UserId{3}, 500, "hello"),
      created(3, alice, (1ull << 63) + 1, "big id"),
      Update{Seq{4}, core::Timestamp{}, kThread, UserId{3}, core::MessageEdited{MessageId{500}, "hello!"}},
      Update{Seq{5}, core::Timestamp{}, kThread, alice, core::ReadReceipt{alice, MessageId{500}}},
  };
  write_v1(file, alice, Epoch{9}, updates);
  auto model = make_memory_history_store();
  ASSERT_TRUE(model->apply(std::vector<HistoryBatch>{{alice, Epoch{9}, updates}}));

  auto s = open_sqlite_history_store({(dir.path() / "h").string(), std::chrono::milliseconds{0}});
  EXPECT_EQ(s->position(alice).value(), (HistoryPosition{Epoch{9}, Seq{5}}));
  EXPECT_EQ(s->updates(alice, Seq{1}, 10).value(), updates);
  EXPECT_EQ(s->inbox(alice, 10).value(), model->inbox(alice, 10).value());
  EXPECT_EQ(count(file, "PRAGMA user_version"), 3);
  EXPECT_EQ(count(file, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'v1_%'"), 0);
}

// A version-2 file as the previous irisd wrote it (the schema of that irisd, verbatim): bodies
// without attachments, edits' and reactions' records only in the log.
void write_v2(const std::filesystem::path& file) {
  auto db = sqlite::Database::open(file.string(), {}).value();
  ASSERT_TRUE(db.exec(R"sql(
    CREATE TABLE position(user INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, seq INTEGER NOT NULL);
    CREATE TABLE bodies(
      thread INTEGER NOT NULL, message INTEGER NOT NULL, sender INTEGER NOT NULL,
      time INTEGER NOT NULL, client_hi INTEGER NOT NULL, client_lo INTEGER NOT NULL,
      text TEXT NOT NULL, reply_to INTEGER);
    CREATE UNIQUE INDEX bodies_by_id ON bodies(thread, message);
    CREATE TABLE log(
      user INTEGER NOT NULL, seq INTEGER NOT NULL, thread INTEGER, message INTEGER,
      shown INTEGER, edit INTEGER, record BLOB,
      PRIMARY KEY(user, seq)) WITHOUT ROWID;
    CREATE INDEX log_view ON log(user, thread, message, shown) WHERE shown IS NOT NULL;
    CREATE TABLE threads(
      user INTEGER NOT NULL, thread INTEGER NOT NULL, name TEXT NOT NULL, participants BLOB NOT NULL,
      PRIMARY KEY(user, thread)) WITHOUT ROWID;
    CREATE TABLE watermarks(
      user INTEGER NOT NULL, thread INTEGER NOT NULL, reader INTEGER NOT NULL, up_to INTEGER NOT NULL,
      PRIMARY KEY(user, thread, reader)) WITHOUT ROWID;
    PRAGMA user_version=2;)sql"));
}

TEST(SqliteHistorySchema, MigratesAVersionTwoFileFoldingEditCountsAndReactionsAndStrippingUnsends) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "h");
  const auto file = dir.path() / "h" / "history.sqlite3";
  const UserId alice{2}, bob{3};
  const std::vector<Update> updates{
      Update{Seq{1}, core::Timestamp{}, kThread, alice, core::ThreadCreated{"t", {alice, bob}}},
      created(2, bob, 500, "helo"),
      created(3, bob, (1ull << 63) + 1, "unsent"),
      Update{Seq{4}, core::Timestamp{}, kThread, bob, core::MessageEdited{MessageId{500}, "hello", 1}},
      Update{Seq{5}, core::Timestamp{}, kThread, bob, core::MessageEdited{MessageId{500}, "hello!", 2}},
      Update{Seq{6}, core::Timestamp{}, kThread, alice, core::ReactionChanged{MessageId{500}, "👍"}},
      Update{Seq{7}, core::Timestamp{}, kThread, bob, core::MessageDeleted{MessageId{(1ull << 63) + 1}}},
      Update{Seq{8}, core::Timestamp{}, kThread, alice, core::ReadReceipt{alice, MessageId{500}}},
  };
  write_v2(file);
  {
    // Rows as version 2 wrote them: a shared body per message, records for everything else,
    // the shown row's edit pointing at the latest edit, the unsent message hidden.
    auto db = sqlite::Database::open(file.string(), {}).value();
    auto body = db.prepare("INSERT INTO bodies VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)");
    auto log = db.prepare("INSERT INTO log VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    for (const auto& u : updates) {
      log.bind_u64(1, alice.value()).bind_u64(2, u.seq.value());
      if (const auto* c = std::get_if<core::MessageCreated>(&u.body)) {
        ASSERT_TRUE(body.bind_u64(1, kThread.value()).bind_u64(2, c->message.value()).bind_u64(3, u.actor.value())
                        .bind(4, u.time.time_since_epoch().count()).bind_u64(5, c->client_id.hi)
                        .bind_u64(6, c->client_id.lo).bind(7, c->text).run());
        log.bind_u64(3, kThread.value()).bind_u64(4, c->message.value());
        if (c->message == MessageId{500}) log.bind(5, std::int64_t{0}).bind(6, std::int64_t{5});
      } else {
        std::string record;
        detail::encode_update(u, record);
        log.bind_blob(7, record);
      }
      ASSERT_TRUE(log.run());
    }
    ASSERT_TRUE(db.prepare("INSERT INTO threads VALUES(?1, ?2, 't', x'')")
                    .bind_u64(1, alice.value()).bind_u64(2, kThread.value()).run());
    ASSERT_TRUE(db.prepare("INSERT INTO position VALUES(?1, 9, 8)").bind_u64(1, alice.value()).run());
  }
  auto model = make_memory_history_store();
  ASSERT_TRUE(model->apply(std::vector<HistoryBatch>{{alice, Epoch{9}, updates}}));

  auto s = open_sqlite_history_store({(dir.path() / "h").string(), std::chrono::milliseconds{0}});
  EXPECT_EQ(s->position(alice).value(), (HistoryPosition{Epoch{9}, Seq{8}}));
  const auto inbox = s->inbox(alice, 10).value();
  EXPECT_EQ(inbox, model->inbox(alice, 10).value());
  ASSERT_EQ(inbox.threads.at(0).latest.size(), 1u);
  const auto& m = inbox.threads[0].latest[0];
  EXPECT_EQ(m.text, "hello!");
  EXPECT_EQ(m.edit_count, 2u) << "folded from the version-2 edit records";
  EXPECT_EQ(m.reactions, (std::vector<core::Reaction>{{alice, "👍"}}));
  const auto kept = s->updates(alice, Seq{1}, 10).value();
  EXPECT_EQ(kept, model->updates(alice, Seq{1}, 10).value());
  EXPECT_EQ(std::get<core::MessageCreated>(kept.at(2).body).text, "") << "the unsent text is gone";
  EXPECT_EQ(count(file, "SELECT count(*) FROM bodies WHERE text='unsent'"), 0);
  EXPECT_EQ(count(file, "PRAGMA user_version"), 3);
  EXPECT_EQ(count(file, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'v2_%'"), 0);
  // Written as version 3 from then on.
  ASSERT_TRUE(s->apply(std::vector<HistoryBatch>{
      {alice, Epoch{9}, {Update{Seq{9}, core::Timestamp{}, kThread, bob, core::ReactionChanged{MessageId{500}, "🎉"}}}}}));
  EXPECT_EQ(s->messages(alice, kThread, std::nullopt, 1)->at(0).reactions,
            (std::vector<core::Reaction>{{alice, "👍"}, {bob, "🎉"}}));
}

TEST(SqliteHistorySchema, RefusesAFileOfANewerSchemaVersionAndLeavesItAlone) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "h");
  const auto file = dir.path() / "h" / "history.sqlite3";
  {
    auto db = sqlite::Database::open(file.string(), {}).value();
    ASSERT_TRUE(db.exec("CREATE TABLE future(x); PRAGMA user_version=4;"));
  }
  auto s = open_sqlite_history_store({(dir.path() / "h").string(), std::chrono::hours{1}});
  EXPECT_EQ(s->position(UserId{1}).error(), errc::unavailable);
  EXPECT_EQ(s->apply(std::vector<HistoryBatch>{{UserId{1}, Epoch{1}, {created(1, UserId{1}, 1, "x")}}}).error(),
            errc::unavailable);
  EXPECT_EQ(count(file, "PRAGMA user_version"), 4);
  EXPECT_EQ(count(file, "SELECT count(*) FROM sqlite_master WHERE name='future'"), 1);
}

TEST(SqliteHistorySchema, TruncatesTheWalOnceACommitLeavesItOverTheLimit) {
  testing::TempDir dir;
  HistoryStoreOptions o{(dir.path() / "h").string(), std::chrono::milliseconds{0}};
  o.wal_limit_bytes = 64 * 1024;
  auto s = open_sqlite_history_store(o);
  std::vector<Update> big;
  for (std::uint64_t i = 1; i <= 200; ++i) big.push_back(created(i, UserId{1}, i, std::string(2000, 'y')));
  ASSERT_TRUE(s->apply(std::vector<HistoryBatch>{{UserId{1}, Epoch{1}, big}}));
  const auto wal = dir.path() / "h" / "history.sqlite3-wal";
  ASSERT_TRUE(std::filesystem::exists(wal));
  EXPECT_LE(std::filesystem::file_size(wal), o.wal_limit_bytes) << "a 400 KB transaction does not stay in the WAL";
  EXPECT_EQ(s->messages(UserId{1}, kThread, std::nullopt, 1000)->size(), 200u);
}

}  // namespace
}  // namespace iris::store
