#include "store/sqlite/detail/history_schema.h"

#include <fmt/format.h>

#include "base/log.h"
#include "store/detail/record_codec.h"
#include "store/errc.h"
#include "store/sqlite/detail/history_writes.h"

namespace iris::store::detail {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE position(user INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE bodies(
  thread INTEGER NOT NULL, message INTEGER NOT NULL, sender INTEGER NOT NULL,
  time INTEGER NOT NULL, client_hi INTEGER NOT NULL, client_lo INTEGER NOT NULL,
  text TEXT NOT NULL, reply_to INTEGER, attachments BLOB);
CREATE UNIQUE INDEX bodies_by_id ON bodies(thread, message);
CREATE TABLE log(
  user INTEGER NOT NULL, seq INTEGER NOT NULL, thread INTEGER, message INTEGER,
  shown INTEGER, edit INTEGER, edit_count INTEGER NOT NULL DEFAULT 0, reactions BLOB, record BLOB,
  PRIMARY KEY(user, seq)) WITHOUT ROWID;
CREATE INDEX log_view ON log(user, thread, message, shown) WHERE shown IS NOT NULL;
CREATE INDEX log_message ON log(user, thread, message) WHERE shown IS NULL AND thread IS NOT NULL;
CREATE TABLE threads(
  user INTEGER NOT NULL, thread INTEGER NOT NULL, name TEXT NOT NULL, participants BLOB NOT NULL,
  PRIMARY KEY(user, thread)) WITHOUT ROWID;
CREATE TABLE watermarks(
  user INTEGER NOT NULL, thread INTEGER NOT NULL, reader INTEGER NOT NULL, up_to INTEGER NOT NULL,
  PRIMARY KEY(user, thread, reader)) WITHOUT ROWID;
)sql";

// Version 1 stored ids with the top bit flipped (v XOR 2^63) and a full record per update in
// updates(user, seq, record); its threads/messages/watermarks were materialized from those.
std::uint64_t v1_id(std::int64_t stored) { return static_cast<std::uint64_t>(stored) ^ (1ull << 63); }

// Replays every version-1 user's updates into the version-2 tables (created by the caller in
// the same transaction), restores each position exactly, and drops the version-1 tables.
Result<void> replay_v1(sqlite::Database& db) {
  HistoryWrites writes(db);
  auto users = db.prepare("SELECT user, epoch, seq FROM v1_position");
  auto page = db.prepare("SELECT seq, record FROM v1_updates WHERE user=?1 AND seq>?2 ORDER BY seq LIMIT 1000");
  if (!writes.ok() || !users.ok() || !page.ok()) return fail(errc::io_error);
  for (;;) {
    auto row = users.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    const std::int64_t stored_user = users.i64(0);
    HistoryBatch batch{core::UserId{v1_id(stored_user)}, core::Epoch{users.u64(1)}, {}};
    const HistoryPosition position{batch.epoch, core::Seq{users.u64(2)}};
    std::uint64_t after = 0;
    for (;;) {
      batch.updates.clear();
      page.bind(1, stored_user).bind_u64(2, after);
      for (;;) {
        auto r = page.step();
        if (!r) return fail(r.error());
        if (!*r) break;
        auto u = decode_update(page.blob(1), core::Seq{page.u64(0)});
        if (!u) {
          page.reset();
          IRIS_LOG(error, "history", "migration: corrupt update record U/{}/{}", batch.user.value(), page.u64(0));
          return fail(u.error());
        }
        batch.updates.push_back(std::move(*u));
      }
      page.reset();
      if (auto r = writes.apply(batch); !r) return r;
      if (batch.updates.empty()) break;
      after = batch.updates.back().seq.value();
    }
    if (auto r = writes.put_position(batch.user, position); !r) return r;
  }
  users.reset();
  return db.exec("DROP TABLE v1_position; DROP TABLE v1_updates;");
}

// Version 2 kept no attachments, edit counts or reactions per message (its bodies dropped a
// message's attachments; its log kept edits and reactions as records only). Every user's log is
// replayed in seq order through the version-3 rules, which fold the counts and reactions from
// those records and strip unsent messages; each position is restored exactly.
Result<void> replay_v2(sqlite::Database& db) {
  HistoryWrites writes(db);
  auto users = db.prepare("SELECT user, epoch, seq FROM v2_position");
  auto page = db.prepare(
      "SELECT l.seq, l.record, l.thread, l.message, b.sender, b.time, b.client_hi, b.client_lo, b.text, "
      "b.reply_to FROM v2_log l LEFT JOIN v2_bodies b ON l.record IS NULL AND b.thread=l.thread AND "
      "b.message=l.message WHERE l.user=?1 AND l.seq>?2 ORDER BY l.seq LIMIT 1000");
  if (!writes.ok() || !users.ok() || !page.ok()) return fail(errc::io_error);
  for (;;) {
    auto row = users.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    HistoryBatch batch{core::UserId{users.u64(0)}, core::Epoch{users.u64(1)}, {}};
    const HistoryPosition position{batch.epoch, core::Seq{users.u64(2)}};
    std::uint64_t after = 0;
    for (;;) {
      batch.updates.clear();
      page.bind_u64(1, batch.user.value()).bind_u64(2, after);
      for (;;) {
        auto r = page.step();
        if (!r) return fail(r.error());
        if (!*r) break;
        const core::Seq seq{page.u64(0)};
        if (!page.is_null(1)) {
          auto u = decode_update(page.blob(1), seq);
          if (!u) {
            page.reset();
            IRIS_LOG(error, "history", "migration: corrupt update record of user {} at seq {}",
                     batch.user.value(), seq.value());
            return fail(u.error());
          }
          batch.updates.push_back(std::move(*u));
          continue;
        }
        if (page.is_null(4)) {
          page.reset();
          IRIS_LOG(error, "history", "migration: missing message body for user {} at seq {}",
                   batch.user.value(), seq.value());
          return fail(errc::corrupt_record);
        }
        core::MessageCreated created{core::MessageId{page.u64(3)}, core::ClientMsgId{page.u64(6), page.u64(7)},
                                     page.text(8), std::nullopt};
        if (!page.is_null(9)) created.reply_to = core::MessageId{page.u64(9)};
        batch.updates.push_back(core::Update{seq, core::Timestamp{std::chrono::milliseconds{page.i64(5)}},
                                             core::ThreadId{page.u64(2)}, core::UserId{page.u64(4)},
                                             std::move(created)});
      }
      page.reset();
      if (auto r = writes.apply(batch); !r) return r;
      if (batch.updates.empty()) break;
      after = batch.updates.back().seq.value();
    }
    if (auto r = writes.put_position(batch.user, position); !r) return r;
  }
  users.reset();
  return db.exec("DROP TABLE v2_position; DROP TABLE v2_log; DROP TABLE v2_bodies;");
}

// Runs `steps` (which rename the old tables, create kSchema and replay into it) in one
// transaction; on failure the file is left as it was.
template <class Steps>
Result<void> migrate(sqlite::Database& db, const std::string& file, int from, const char* what, Steps&& steps) {
  IRIS_LOG(info, "history", "migrating {} from schema version {} to {} ({})", file, from, kHistorySchemaVersion,
           what);
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r;
  auto r = steps();
  if (r) r = db.exec(fmt::format("PRAGMA user_version={}", kHistorySchemaVersion));
  if (r) r = db.exec("COMMIT");
  if (!r) {
    (void)db.exec("ROLLBACK");
    IRIS_LOG(error, "history", "migration of {} from schema version {} failed; the file is unchanged", file, from);
    return r;
  }
  // The old pages are free now; give them back to the file system.
  (void)db.exec("VACUUM");
  IRIS_LOG(info, "history", "migrated {} to schema version {}", file, kHistorySchemaVersion);
  return {};
}

Result<void> migrate_v2(sqlite::Database& db, const std::string& file) {
  return migrate(db, file, 2, "attachments, edit counts and reactions per message", [&]() -> Result<void> {
    // Index names are global: the old ones go, the replay reads the old bodies through a new one.
    auto r = db.exec(
        "DROP INDEX log_view; DROP INDEX bodies_by_id; "
        "ALTER TABLE position RENAME TO v2_position; ALTER TABLE log RENAME TO v2_log; "
        "ALTER TABLE bodies RENAME TO v2_bodies; DROP TABLE threads; DROP TABLE watermarks; "
        "CREATE INDEX v2_bodies_by_id ON v2_bodies(thread, message);");
    if (r) r = db.exec(kSchema);
    if (r) r = replay_v2(db);
    return r;
  });
}

Result<void> migrate_v1(sqlite::Database& db, const std::string& file) {
  return migrate(db, file, 1, "bodies once per thread", [&]() -> Result<void> {
    auto r = db.exec(
        "ALTER TABLE position RENAME TO v1_position; ALTER TABLE updates RENAME TO v1_updates; "
        "DROP TABLE threads; DROP TABLE messages; DROP TABLE watermarks;");
    if (r) r = db.exec(kSchema);
    if (r) r = replay_v1(db);
    return r;
  });
}

}  // namespace

Result<void> prepare_history_schema(sqlite::Database& db, const std::string& file) {
  auto v = db.prepare("PRAGMA user_version");
  auto row = v.step();
  if (!row || !*row) return fail(errc::unavailable);
  const std::int64_t version = v.i64(0);
  v.reset();
  if (version == kHistorySchemaVersion) return {};
  if (version == 1) return migrate_v1(db, file);
  if (version == 2) return migrate_v2(db, file);
  if (version == 0) {
    auto tables = db.prepare("SELECT count(*) FROM sqlite_master");
    auto t = tables.step();
    if (!t || !*t) return fail(errc::unavailable);
    if (tables.i64(0) == 0) {
      tables.reset();
      if (auto r = db.exec(fmt::format("BEGIN IMMEDIATE; {} PRAGMA user_version={}; COMMIT;", kSchema,
                                       kHistorySchemaVersion));
          !r) {
        (void)db.exec("ROLLBACK");
        return fail(errc::unavailable);
      }
      return {};
    }
  }
  IRIS_LOG(error, "history",
           "history store {} has schema version {}, this build reads version {} (and migrates "
           "versions 1 and 2); refusing to open it: use the irisd that wrote it, or move the file away",
           file, version, kHistorySchemaVersion);
  return fail(errc::unavailable);
}

}  // namespace iris::store::detail
