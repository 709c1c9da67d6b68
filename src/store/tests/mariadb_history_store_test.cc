// The MariaDB history store against a real server (one per test binary): the conformance
// suite, the randomized comparison with the model, a body once per thread, and a database of
// another schema version refused.
#include "store/mariadb/mariadb_history_store.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "store/errc.h"
#include "store/mariadb/connection.h"
#include "store/tests/history_store_conformance.h"
#include "store/tests/mariadb_server.h"
#include "store/tests/random_history.h"

namespace iris::store {
namespace {

using core::Epoch;
using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::Update;
using core::UserId;
using testing::MariaDbServer;

// A fresh database per test (per backend object); open() reopens the store on it.
struct MariaDbBackend {
  MariaDbBackend() {
    server = MariaDbServer::shared();
    if (server) options = server->options(server->fresh_database());
  }
  std::unique_ptr<HistoryStore> open() {
    if (!server) return nullptr;
    return open_mariadb_history_store(options);
  }
  MariaDbServer* server = nullptr;
  MariaDbOptions options;
};

class MariaDbHistoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!backend_.server) GTEST_SKIP() << "no MariaDB server";
    store_ = backend_.open();
  }
  // One query's first cell, as the iris account.
  std::uint64_t count(const std::string& sql) {
    auto c = mariadb::Connection::open(*mariadb::parse_server(backend_.server->address()), backend_.options);
    EXPECT_TRUE(c);
    auto rows = c->query_one(sql);
    EXPECT_TRUE(rows && !rows->empty()) << sql;
    return rows && !rows->empty() ? rows->u64(0, 0).value_or(~0ull) : ~0ull;
  }
  MariaDbBackend backend_;
  std::unique_ptr<HistoryStore> store_;
};

TEST_F(MariaDbHistoryStoreTest, AgreesWithTheModelOnRandomHistories) {
  testing::expect_agrees_with_the_model_on_random_histories(*store_, 15);
}

TEST_F(MariaDbHistoryStoreTest, StoresAMessageBodyOncePerThreadWhateverTheRecipients) {
  const ThreadId thread{7};
  const std::string text(1024, 'x');
  const Update m{Seq{1}, core::Timestamp{std::chrono::milliseconds{5}}, thread, UserId{1},
                 core::MessageCreated{MessageId{500}, core::ClientMsgId{3, 4}, text, std::nullopt}};
  std::vector<HistoryBatch> batches;
  for (std::uint64_t u = 1; u <= 50; ++u) batches.push_back({UserId{u}, Epoch{u}, {m}});
  ASSERT_TRUE(store_->apply(batches));
  EXPECT_EQ(count("SELECT count(*) FROM history_bodies"), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM history_log"), 50u);
  EXPECT_EQ(count("SELECT count(*) FROM history_log WHERE record IS NOT NULL"), 0u);
  EXPECT_EQ(store_->messages(UserId{50}, thread, std::nullopt, 10)->at(0).text, text);
  EXPECT_EQ(store_->updates(UserId{50}, Seq{1}, 10).value(), std::vector<Update>{m});
}

TEST_F(MariaDbHistoryStoreTest, RefusesTablesOfAnotherSchemaVersion) {
  ASSERT_TRUE(store_->position(UserId{1})) << "creates the tables";
  ASSERT_TRUE(backend_.server->admin("UPDATE " + backend_.options.database +
                                     ".history_schema SET version = 4 WHERE id = 1"));
  auto reopened = backend_.open();
  EXPECT_EQ(reopened->position(UserId{1}).error(), errc::unavailable);
  EXPECT_EQ(count("SELECT version FROM history_schema"), 4u) << "left as it was";
}

// Tables as the version-2 irisd created them, with one message in them: upgraded in place at
// the first call, the message still read, and edits and reactions folded from then on.
TEST_F(MariaDbHistoryStoreTest, UpgradesVersionTwoTablesInPlace) {
  const std::string db = backend_.options.database + ".";
  for (const std::string& sql : std::vector<std::string>{
           "CREATE TABLE " + db + "history_schema(id TINYINT UNSIGNED PRIMARY KEY, version INT NOT NULL)",
           "INSERT INTO " + db + "history_schema VALUES(1, 2)",
           "CREATE TABLE " + db + "history_position(user_id BIGINT UNSIGNED PRIMARY KEY, "
               "epoch BIGINT UNSIGNED NOT NULL, seq BIGINT UNSIGNED NOT NULL)",
           "CREATE TABLE " + db + "history_bodies(thread_id BIGINT UNSIGNED NOT NULL, "
               "message_id BIGINT UNSIGNED NOT NULL, sender_id BIGINT UNSIGNED NOT NULL, sent_ms BIGINT NOT NULL, "
               "client_hi BIGINT UNSIGNED NOT NULL, client_lo BIGINT UNSIGNED NOT NULL, body LONGBLOB NOT NULL, "
               "reply_to BIGINT UNSIGNED NULL, PRIMARY KEY(thread_id, message_id))",
           "CREATE TABLE " + db + "history_log(user_id BIGINT UNSIGNED NOT NULL, seq BIGINT UNSIGNED NOT NULL, "
               "thread_id BIGINT UNSIGNED NULL, message_id BIGINT UNSIGNED NULL, shown TINYINT NULL, "
               "edit_seq BIGINT UNSIGNED NULL, record LONGBLOB NULL, PRIMARY KEY(user_id, seq), "
               "KEY history_log_view(user_id, thread_id, message_id, shown))",
           "CREATE TABLE " + db + "history_threads(user_id BIGINT UNSIGNED NOT NULL, thread_id BIGINT UNSIGNED "
               "NOT NULL, name LONGBLOB NOT NULL, participants LONGBLOB NOT NULL, PRIMARY KEY(user_id, thread_id))",
           "CREATE TABLE " + db + "history_watermarks(user_id BIGINT UNSIGNED NOT NULL, thread_id BIGINT "
               "UNSIGNED NOT NULL, reader_id BIGINT UNSIGNED NOT NULL, up_to BIGINT UNSIGNED NOT NULL, "
               "PRIMARY KEY(user_id, thread_id, reader_id))",
           "INSERT INTO " + db + "history_bodies VALUES(7, 500, 1, 5, 3, 4, 'old', NULL)",
           "INSERT INTO " + db + "history_log VALUES(2, 1, 7, 500, 0, NULL, NULL)",
           "INSERT INTO " + db + "history_threads VALUES(2, 7, 't', '')",
           "INSERT INTO " + db + "history_position VALUES(2, 9, 1)",
       }) {
    ASSERT_TRUE(backend_.server->admin(sql)) << sql;
  }
  auto old = store_->messages(UserId{2}, ThreadId{7}, std::nullopt, 10);
  ASSERT_TRUE(old);
  ASSERT_EQ(old->size(), 1u);
  EXPECT_EQ(old->at(0).text, "old");
  EXPECT_EQ(count("SELECT version FROM history_schema"), 3u);
  const core::Timestamp t{};
  ASSERT_TRUE(store_->apply(std::vector<HistoryBatch>{
      {UserId{2}, Epoch{9},
       {Update{Seq{2}, t, ThreadId{7}, UserId{1}, core::MessageEdited{MessageId{500}, "new", 1}},
        Update{Seq{3}, t, ThreadId{7}, UserId{2}, core::ReactionChanged{MessageId{500}, "👍"}}}}}));
  auto now = store_->messages(UserId{2}, ThreadId{7}, std::nullopt, 10).value();
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].text, "new");
  EXPECT_EQ(now[0].edit_count, 1u);
  EXPECT_EQ(now[0].reactions, (std::vector<core::Reaction>{{UserId{2}, "👍"}}));
}

// Another server's writer of the same user (the owner handing it over), its transaction open
// on the position row: this one waits for it and skips what it committed, instead of reading
// the row as it was and writing the same seqs again (a duplicate key, or a fold applied twice).
TEST_F(MariaDbHistoryStoreTest, AWriterTakesTurnsWithAnotherServersWriterOfTheSameUser) {
  const UserId user{5};
  const core::Timestamp t{};
  std::vector<Update> queue{Update{Seq{1}, t, ThreadId{7}, user, core::ThreadCreated{"t", {user}}}};
  for (std::uint64_t i = 2; i <= 5; ++i) {
    queue.push_back(Update{Seq{i}, t, ThreadId{7}, user,
                           core::MessageCreated{MessageId{i}, core::ClientMsgId{1, i}, "m", std::nullopt}});
  }
  ASSERT_TRUE(store_->position(user)) << "creates the tables";
  auto other = mariadb::Connection::open(*mariadb::parse_server(backend_.server->address()), backend_.options);
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->execute("START TRANSACTION"));
  ASSERT_TRUE(other->execute("INSERT INTO history_position(user_id, epoch, seq) VALUES(5, 9, 5)"));
  Result<void> applied = fail(errc::unavailable);
  std::thread writer([&] { applied = store_->apply(std::vector<HistoryBatch>{{user, Epoch{9}, queue}}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the writer waits on the row
  ASSERT_TRUE(other->execute("COMMIT"));
  writer.join();
  ASSERT_TRUE(applied) << applied.error().message();
  EXPECT_EQ(count("SELECT count(*) FROM history_log WHERE user_id = 5"), 0u)
      << "the other writer's position says seqs 1..5 are written: none again";
  EXPECT_EQ(store_->position(user).value(), (HistoryPosition{Epoch{9}, Seq{5}}));
}

// The thread's body stored by another server's writer (another member's owner) in a
// transaction still open: this one waits, finds the same body and shares it.
TEST_F(MariaDbHistoryStoreTest, AWriterSharesABodyAnotherServerStoresAtTheSameTime) {
  const Update m{Seq{1}, core::Timestamp{std::chrono::milliseconds{5}}, ThreadId{7}, UserId{1},
                 core::MessageCreated{MessageId{500}, core::ClientMsgId{3, 4}, "hello", std::nullopt}};
  ASSERT_TRUE(store_->position(UserId{2})) << "creates the tables";
  auto other = mariadb::Connection::open(*mariadb::parse_server(backend_.server->address()), backend_.options);
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->execute("START TRANSACTION"));
  ASSERT_TRUE(other->execute("INSERT INTO history_bodies(thread_id, message_id, sender_id, sent_ms, client_hi, "
                             "client_lo, body) VALUES(7, 500, 1, 5, 3, 4, 'hello')"));
  Result<void> applied = fail(errc::unavailable);
  std::thread writer([&] { applied = store_->apply(std::vector<HistoryBatch>{{UserId{2}, Epoch{9}, {m}}}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the writer waits on the body
  ASSERT_TRUE(other->execute("COMMIT"));
  writer.join();
  ASSERT_TRUE(applied) << applied.error().message();
  EXPECT_EQ(count("SELECT count(*) FROM history_bodies"), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM history_log WHERE record IS NOT NULL"), 0u) << "the body is shared";
  EXPECT_EQ(store_->updates(UserId{2}, Seq{1}, 10).value(), std::vector<Update>{m});
}

TEST_F(MariaDbHistoryStoreTest, ServerDownFailsAsUnavailable) {
  MariaDbOptions nowhere = backend_.options;
  nowhere.servers = {"127.0.0.1:1"};
  nowhere.connect_timeout = std::chrono::seconds{1};
  auto s = open_mariadb_history_store(nowhere);
  EXPECT_EQ(s->position(UserId{1}).error(), errc::unavailable);
  EXPECT_EQ(s->apply(std::vector<HistoryBatch>{{UserId{1}, Epoch{1}, {}}}).error(), errc::unavailable);
}

}  // namespace

namespace conformance {
using MariaDbBackends = ::testing::Types<MariaDbBackend>;
INSTANTIATE_TYPED_TEST_SUITE_P(MariaDb, HistoryStoreConformance, MariaDbBackends);
}  // namespace conformance

}  // namespace iris::store
