// Moving a user between two cells' stores (store/mariadb/user_move.h) against a real server:
// two databases on one throwaway MariaDB play the two cells' pairs.
#include <gtest/gtest.h>

#include "store/errc.h"
#include "store/mariadb/connection.h"
#include "store/mariadb/detail/history_tables.h"
#include "store/mariadb/mariadb_queue_store.h"
#include "store/mariadb/mariadb_social_store.h"
#include "store/mariadb/queue_schema.h"
#include "store/mariadb/user_move.h"
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

const UserId kUser{42};
const UserId kFriend{43};

struct CellStore {
  std::string database = server().fresh_database();
  std::unique_ptr<QueueStore> member(const std::string& name) {
    auto s = open_mariadb_queue_store({}, server().options(database));
    EXPECT_TRUE(s) << s.error().message();
    if (!s) return nullptr;
    EXPECT_TRUE((*s)->fence_as(name));
    return std::move(*s);
  }
  mariadb::Connection connect() {
    const MariaDbOptions o = server().options(database);
    auto c = mariadb::Connection::open(*mariadb::parse_server(o.servers[0]), o);
    EXPECT_TRUE(c);
    return std::move(*c);
  }
  void set_generation(std::uint64_t g) {
    auto c = connect();
    ASSERT_TRUE(mariadb::ensure_queue_schema(c));
    ASSERT_TRUE(c.execute("INSERT INTO failover_generation (id, generation) VALUES (1, " + std::to_string(g) +
                                  ") ON DUPLICATE KEY UPDATE generation = VALUES(generation)"));
  }
};

AppendRequest keyed(UserId user, std::string text, std::uint64_t client) {
  auto r = one(user, std::move(text));
  r.idempotency = core::IdempotencyKey{user, core::ClientMsgId{7, client}};
  return r;
}

TEST(MariaDbUserMove, TheStoredEpochForInvertsTheGenerationsMix) {
  for (std::uint64_t g : {0ull, 1ull, 7ull, 0xffffffffffffffffull}) {
    for (std::uint64_t e : {1ull, 2ull, 0x1234567890abcdefull, 0xffffffffffffffffull}) {
      auto stored = mariadb::stored_epoch_for(core::Epoch{e}, g);
      ASSERT_TRUE(stored);
      EXPECT_EQ(mariadb::epoch_in_generation(*stored, g), core::Epoch{e}) << "generation " << g;
    }
  }
  EXPECT_FALSE(mariadb::stored_epoch_for(core::Epoch{0}, 3));
}

TEST(MariaDbUserMove, TheCopyKeepsQueueEpochCursorsIdempotencyAndFanoutAndTheTargetAppendsAfterTheHead) {
  CellStore a, b;
  a.set_generation(3);  // the two pairs failed over a different number of times
  b.set_generation(11);
  {
    auto s = a.member("a1");
    ASSERT_TRUE(s->claim(kUser, 1));
    ASSERT_TRUE(s->append(keyed(kUser, "one", 1)));
    ASSERT_TRUE(s->append(keyed(kUser, "two", 2)));
    auto with_fanout = keyed(kUser, "three", 3);
    with_fanout.fanout = FanoutNote{kUser, {kFriend}};
    ASSERT_TRUE(s->append(with_fanout));
    ASSERT_TRUE(s->advance_cursor(kUser, CursorName::device(core::DeviceId{"phone"}), Seq{2}));
    ASSERT_TRUE(s->advance_cursor(kUser, CursorName::storage(), Seq{1}));
    ASSERT_TRUE(s->trim_to(kUser, Seq{1}));
  }
  auto source = a.member("a1");
  const auto before = source->info(kUser).value();

  auto ac = a.connect();
  ASSERT_TRUE(mariadb::fence_user(ac, kUser, "moved:b", 2s));
  auto refused = source->append(one(kUser, "after the fence"));
  ASSERT_FALSE(refused) << "the source cell's servers append nothing once the user is fenced";
  EXPECT_EQ(refused.error(), errc::not_owner);
  EXPECT_FALSE(source->claim(kUser, 1000000)) << "no claim takes a fenced user back";

  auto rows = mariadb::export_user(ac, kUser, 1 << 20);
  ASSERT_TRUE(rows) << rows.error().message();
  EXPECT_EQ(rows->updates.size(), 2u) << "the trimmed update is not copied";
  auto bc = b.connect();
  ASSERT_TRUE(mariadb::import_user(bc, *rows));

  auto target = b.member("b1");
  ASSERT_TRUE(target->claim(kUser, 1));
  EXPECT_EQ(target->info(kUser).value(), before) << "devices resume at their (epoch, seq): no snapshot";
  EXPECT_EQ(target->read(kUser, Seq{2}, 10).value(), source->read(kUser, Seq{2}, 10).value());
  EXPECT_EQ(target->cursors(kUser).value(), source->cursors(kUser).value());
  const core::IdempotencyKey two{kUser, core::ClientMsgId{7, 2}};
  EXPECT_EQ(target->find(two).value(), source->find(two).value());
  EXPECT_EQ(target->pending_fanout(UserId{0}, Seq{0}, 10).value(), source->pending_fanout(UserId{0}, Seq{0}, 10).value());

  auto retried = target->append(keyed(kUser, "two", 2));
  ASSERT_TRUE(retried);
  EXPECT_TRUE(retried->duplicate) << "a send retried across the move is applied once";
  auto next = target->append(one(kUser, "four"));
  ASSERT_TRUE(next) << next.error().message();
  EXPECT_EQ(next->positions.front().seq, Seq{4});
}

TEST(MariaDbUserMove, ACopyMadeAgainReplacesTheFirstAndAStaleFenceInTheTarget) {
  CellStore a, b;
  {
    auto s = a.member("a1");
    ASSERT_TRUE(s->append(one(kUser, "one")));
  }
  auto ac = a.connect();
  auto bc = b.connect();
  // b once held the user and moved it away: its fence row and stale queue are replaced.
  ASSERT_TRUE(mariadb::import_user(bc, mariadb::export_user(ac, kUser, 1 << 20).value()));
  ASSERT_TRUE(mariadb::fence_user(bc, kUser, "moved:a", 2s));
  {
    auto s = a.member("a1");
    ASSERT_TRUE(s->append(one(kUser, "two")));
  }
  auto rows = mariadb::export_user(ac, kUser, 1 << 20).value();
  ASSERT_TRUE(mariadb::import_user(bc, rows));
  ASSERT_TRUE(mariadb::import_user(bc, rows)) << "a re-run after a crash copies again";
  EXPECT_EQ(mariadb::owner_of(bc, kUser).value(), std::nullopt);
  auto target = b.member("b1");
  ASSERT_TRUE(target->claim(kUser, 1));
  EXPECT_EQ(target->info(kUser).value().head, Seq{2});
  EXPECT_EQ(target->read(kUser, Seq{1}, 10).value().size(), 2u);
}

TEST(MariaDbUserMove, UnfencingRemovesOnlyTheMovesOwnFenceAndTheCellClaimsTheUserAgain) {
  CellStore a;
  auto s = a.member("a1");
  ASSERT_TRUE(s->claim(kUser, 1));
  auto ac = a.connect();
  ASSERT_TRUE(mariadb::fence_user(ac, kUser, "moved:b", 2s));
  ASSERT_TRUE(mariadb::unfence_user(ac, kUser, "moved:c"));
  EXPECT_EQ(mariadb::owner_of(ac, kUser).value(), std::optional<std::string>("moved:b"));
  ASSERT_TRUE(mariadb::unfence_user(ac, kUser, "moved:b"));
  EXPECT_EQ(mariadb::owner_of(ac, kUser).value(), std::nullopt);
  ASSERT_TRUE(s->claim(kUser, 2));
  EXPECT_TRUE(s->append(one(kUser, "served again")));
}

TEST(MariaDbUserMove, TheHistoryPointerLogThreadsAndBodiesGoAlongAndSharedBodiesAreKept) {
  CellStore a, b;
  auto ac = a.connect();
  auto bc = b.connect();
  ASSERT_TRUE(mariadb::ensure_queue_schema(ac));
  ASSERT_TRUE(mariadb::detail::prepare_history_schema(ac));
  ASSERT_TRUE(mariadb::detail::prepare_history_schema(bc));
  ASSERT_TRUE(ac.execute(
      "INSERT INTO history_position VALUES (42, 77, 5);"
      "INSERT INTO history_log (user_id, seq, thread_id, message_id, shown, record) VALUES "
      "(42, 1, 9, 1, 1, X'00ff'), (42, 2, 9, 2, 1, NULL), (43, 1, 9, 1, 1, NULL);"
      "INSERT INTO history_threads VALUES (42, 9, 'chat', X'2a');"
      "INSERT INTO history_bodies (thread_id, message_id, sender_id, sent_ms, client_hi, client_lo, body) VALUES "
      "(9, 1, 43, -5, 1, 2, 'hello'), (9, 2, 42, 6, 1, 3, X'00'), (10, 1, 43, 1, 1, 1, 'not the user''s thread')"));
  ASSERT_TRUE(bc.execute(
      "INSERT INTO history_bodies (thread_id, message_id, sender_id, sent_ms, client_hi, client_lo, body) VALUES "
      "(9, 1, 43, -5, 1, 2, 'hello, as b holds it');"
      "INSERT INTO history_log (user_id, seq, thread_id, message_id, shown) VALUES (42, 99, 1, 1, 1)"));
  auto rows = mariadb::export_user(ac, kUser, 1 << 20);
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_TRUE(mariadb::import_user(bc, *rows));
  const auto one = [&](const std::string& sql) {
    auto r = bc.query_one(sql);
    EXPECT_TRUE(r);
    return r && !r->empty() ? std::string(r->bytes(0, 0)) : std::string("<none>");
  };
  EXPECT_EQ(one("SELECT CONCAT(epoch, ',', seq) FROM history_position WHERE user_id = 42"), "77,5")
      << "the history writer goes on where it was";
  EXPECT_EQ(one("SELECT GROUP_CONCAT(seq ORDER BY seq) FROM history_log WHERE user_id = 42"), "1,2")
      << "the target's stale rows of the user are replaced";
  EXPECT_EQ(one("SELECT HEX(record) FROM history_log WHERE user_id = 42 AND seq = 1"), "00FF");
  EXPECT_EQ(one("SELECT COUNT(*) FROM history_log WHERE user_id = 42 AND seq = 2 AND record IS NULL"), "1");
  EXPECT_EQ(one("SELECT name FROM history_threads WHERE user_id = 42"), "chat");
  EXPECT_EQ(one("SELECT body FROM history_bodies WHERE thread_id = 9 AND message_id = 1"), "hello, as b holds it");
  EXPECT_EQ(one("SELECT sent_ms FROM history_bodies WHERE thread_id = 9 AND message_id = 1"), "-5");
  EXPECT_EQ(one("SELECT HEX(body) FROM history_bodies WHERE thread_id = 9 AND message_id = 2"), "00");
  EXPECT_EQ(one("SELECT COUNT(*) FROM history_bodies WHERE thread_id = 10"), "0") << "only the user's threads";
  EXPECT_EQ(one("SELECT COUNT(*) FROM history_log WHERE user_id = 43"), "0") << "only the user's rows";
}

TEST(MariaDbUserMove, TheUsersContactsBlocksSettingAndFoldersGoAlongAndOthersRowsStay) {
  CellStore a, b;
  auto a_social = open_mariadb_social_store(server().options(a.database), core::GroupAdd::contacts);
  auto b_social = open_mariadb_social_store(server().options(b.database), core::GroupAdd::contacts);
  ASSERT_TRUE(a_social->set_relation(kUser, kFriend, core::Relation::contact));
  ASSERT_TRUE(a_social->set_relation(kUser, UserId{7}, core::Relation::blocked));
  ASSERT_TRUE(a_social->set_group_add(kUser, core::GroupAdd::nobody));
  const FolderRow folder{kUser, core::ThreadId{9}, core::Folder::requests};
  ASSERT_TRUE(a_social->set_folders(std::span(&folder, 1)));
  ASSERT_TRUE(a_social->set_relation(kFriend, kUser, core::Relation::blocked));  // the friend's, not the user's
  ASSERT_TRUE(b_social->set_relation(kUser, UserId{8}, core::Relation::contact));  // stale in the target
  auto ac = a.connect();
  auto bc = b.connect();
  ASSERT_TRUE(mariadb::ensure_queue_schema(ac));
  auto rows = mariadb::export_user(ac, kUser, 1 << 20);
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_TRUE(mariadb::import_user(bc, *rows));
  auto state = b_social->state(kUser);
  ASSERT_TRUE(state) << state.error().message();
  EXPECT_EQ(*state, (SocialState{{kFriend}, {UserId{7}}, core::GroupAdd::nobody}))
      << "the target's stale rows of the user are replaced";
  EXPECT_EQ(*b_social->folder(kUser, core::ThreadId{9}), core::Folder::requests);
  EXPECT_EQ(b_social->blocked_by(UserId{7}, std::vector<UserId>{kUser}).value(), std::vector<UserId>{kUser})
      << "the block holds in the target cell";
  EXPECT_EQ(*b_social->relation(kFriend, kUser), core::Relation::none) << "only the user's own rows";
}

TEST(MariaDbUserMove, AQueueLargerThanTheBoundIsNotReadIntoMemory) {
  CellStore a;
  auto s = a.member("a1");
  ASSERT_TRUE(s->append(one(kUser, std::string(4000, 'x'))));
  auto ac = a.connect();
  auto rows = mariadb::export_user(ac, kUser, 1000);
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error(), errc::overloaded);
  EXPECT_TRUE(mariadb::export_user(ac, kUser, 1 << 20));
}

}  // namespace
}  // namespace iris::store::testing
