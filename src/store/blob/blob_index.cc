#include "store/blob/blob_index.h"

#include <fmt/format.h>

#include "base/log.h"
#include "store/blob/blob_errc.h"

namespace iris::store {
namespace {

std::string_view key(const core::BlobId& id) {
  return {reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size()};
}

std::int64_t ms(core::Timestamp t) { return t.time_since_epoch().count(); }

constexpr std::string_view kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS blobs(
  id BLOB PRIMARY KEY, size INTEGER NOT NULL, type TEXT NOT NULL, last_upload_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads(
  id BLOB NOT NULL, user INTEGER NOT NULL, type TEXT NOT NULL, PRIMARY KEY(id, user)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS refs(
  id BLOB NOT NULL, thread INTEGER NOT NULL, message INTEGER NOT NULL, PRIMARY KEY(id, thread, message)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS refs_by_message ON refs(thread, message);
CREATE INDEX IF NOT EXISTS blobs_by_upload ON blobs(last_upload_ms);
)sql";

constexpr int kIndexVersion = 1;

// Version 0 kept refs(id, thread): which message cited the blob was not recorded, so those
// references become message 0, which no unsend releases (they are kept, as they were).
constexpr std::string_view kMigrateV0 = R"sql(
BEGIN IMMEDIATE;
ALTER TABLE refs RENAME TO refs_v0;
CREATE TABLE refs(
  id BLOB NOT NULL, thread INTEGER NOT NULL, message INTEGER NOT NULL, PRIMARY KEY(id, thread, message)
) WITHOUT ROWID;
INSERT INTO refs(id, thread, message) SELECT id, thread, 0 FROM refs_v0;
DROP TABLE refs_v0;
PRAGMA user_version = 1;
COMMIT;
)sql";

}  // namespace

Result<BlobIndex> BlobIndex::open(const std::string& path) {
  sqlite::OpenOptions options;
  options.log_component = "blob";
  options.error = blob_errc::io_error;
  auto db = sqlite::Database::open(path, options);
  if (!db) return fail(db.error());
  std::int64_t version = 0;
  bool old_refs = false;
  {
    auto v = db->prepare("PRAGMA user_version");
    if (auto row = v.step(); row && *row) version = v.i64(0);
    // A refs table without the message column: written by version 0.
    auto cols = db->prepare(
        "SELECT count(*), count(*) FILTER (WHERE name = 'message') FROM pragma_table_info('refs')");
    if (auto row = cols.step(); row && *row) old_refs = cols.i64(0) > 0 && cols.i64(1) == 0;
  }
  if (version > kIndexVersion) {
    IRIS_LOG(error, "blob", "blob index {} has version {}, this build reads up to {}: refusing to open it",
             path, version, kIndexVersion);
    return fail(blob_errc::io_error);
  }
  if (old_refs) {
    IRIS_LOG(info, "blob", "migrating blob index {} to version {} (references per message)", path, kIndexVersion);
    if (auto r = db->exec(kMigrateV0); !r) {
      (void)db->exec("ROLLBACK");
      return fail(r.error());
    }
  }
  if (auto r = db->exec(kSchema); !r) return fail(r.error());
  if (auto r = db->exec(fmt::format("PRAGMA user_version = {}", kIndexVersion)); !r) return fail(r.error());
  return BlobIndex(std::move(*db));
}

Result<void> BlobIndex::record_upload(const core::BlobId& id, std::uint64_t size, const std::string& type,
                                      core::UserId user, core::Timestamp now) {
  if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return r;
  auto blob = db_.prepare(
      "INSERT INTO blobs(id, size, type, last_upload_ms) VALUES(?, ?, ?, ?) "
      "ON CONFLICT(id) DO UPDATE SET last_upload_ms = max(last_upload_ms, excluded.last_upload_ms)");
  auto up = db_.prepare(
      "INSERT INTO uploads(id, user, type) VALUES(?, ?, ?) ON CONFLICT(id, user) DO UPDATE SET type = excluded.type");
  auto r = blob.bind_blob(1, key(id)).bind(2, static_cast<std::int64_t>(size)).bind(3, type).bind(4, ms(now)).run();
  if (r) r = up.bind_blob(1, key(id)).bind_u64(2, user.value()).bind(3, type).run();
  if (!r) {
    (void)db_.exec("ROLLBACK");
    return r;
  }
  return db_.exec("COMMIT");
}

Result<std::optional<BlobUploadRow>> BlobIndex::upload_of(const core::BlobId& id, core::UserId user) {
  auto q = db_.prepare("SELECT b.size, u.type FROM uploads u JOIN blobs b ON b.id = u.id WHERE u.id = ? AND u.user = ?");
  q.bind_blob(1, key(id)).bind_u64(2, user.value());
  auto row = q.step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<BlobUploadRow>{};
  return std::optional<BlobUploadRow>{BlobUploadRow{q.u64(0), q.text(1)}};
}

Result<void> BlobIndex::add_ref(const core::BlobId& id, core::ThreadId thread, core::MessageId message) {
  return db_.prepare("INSERT OR IGNORE INTO refs(id, thread, message) VALUES(?, ?, ?)")
      .bind_blob(1, key(id))
      .bind_u64(2, thread.value())
      .bind_u64(3, message.value())
      .run();
}

Result<void> BlobIndex::release(core::ThreadId thread, core::MessageId message) {
  return db_.prepare("DELETE FROM refs WHERE thread = ? AND message = ?")
      .bind_u64(1, thread.value())
      .bind_u64(2, message.value())
      .run();
}

Result<std::optional<BlobAccessRow>> BlobIndex::access(const core::BlobId& id, core::UserId user) {
  auto q = db_.prepare(
      "SELECT size, type, EXISTS(SELECT 1 FROM uploads WHERE id = ?1 AND user = ?2) FROM blobs WHERE id = ?1");
  q.bind_blob(1, key(id)).bind_u64(2, user.value());
  auto row = q.step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<BlobAccessRow>{};
  BlobAccessRow out{q.u64(0), q.text(1), q.i64(2) != 0, {}};
  auto refs = db_.prepare("SELECT DISTINCT thread FROM refs WHERE id = ?");
  refs.bind_blob(1, key(id));
  for (;;) {
    auto next = refs.step();
    if (!next) return fail(next.error());
    if (!*next) break;
    out.threads.push_back(core::ThreadId{refs.u64(0)});
  }
  return std::optional<BlobAccessRow>{std::move(out)};
}

Result<std::vector<core::BlobId>> BlobIndex::unreferenced_before(core::Timestamp cutoff, std::size_t limit) {
  auto q = db_.prepare(
      "SELECT id FROM blobs b WHERE last_upload_ms < ? AND NOT EXISTS(SELECT 1 FROM refs r WHERE r.id = b.id) LIMIT ?");
  q.bind(1, ms(cutoff)).bind(2, static_cast<std::int64_t>(limit));
  std::vector<core::BlobId> out;
  for (;;) {
    auto next = q.step();
    if (!next) return fail(next.error());
    if (!*next) break;
    const auto bytes = q.blob(0);
    core::BlobId id;
    if (bytes.size() != id.bytes.size()) continue;  // not a row this code wrote
    std::copy(bytes.begin(), bytes.end(), id.bytes.begin());
    out.push_back(id);
  }
  return out;
}

Result<void> BlobIndex::forget(const core::BlobId& id) {
  if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return r;
  auto r = db_.prepare("DELETE FROM refs WHERE id = ?").bind_blob(1, key(id)).run();
  if (r) r = db_.prepare("DELETE FROM uploads WHERE id = ?").bind_blob(1, key(id)).run();
  if (r) r = db_.prepare("DELETE FROM blobs WHERE id = ?").bind_blob(1, key(id)).run();
  if (!r) {
    (void)db_.exec("ROLLBACK");
    return r;
  }
  return db_.exec("COMMIT");
}

Result<bool> BlobIndex::sweepable(const core::BlobId& id, core::Timestamp cutoff) {
  auto q = db_.prepare(
      "SELECT 1 FROM blobs b WHERE id = ? AND last_upload_ms < ? AND NOT EXISTS(SELECT 1 FROM refs r WHERE r.id = b.id)");
  q.bind_blob(1, key(id)).bind(2, ms(cutoff));
  auto row = q.step();
  if (!row) return fail(row.error());
  return *row;
}

}  // namespace iris::store
