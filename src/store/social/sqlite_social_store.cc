#include "store/social/sqlite_social_store.h"

#include <algorithm>
#include <filesystem>

#include "store/errc.h"

namespace iris::store {
namespace {

// relations: what `other` is to `owner` (1 contact, 2 blocked; none is no row).
// settings: `owner`'s group-add setting (0 contacts is no row).
// folders: `owner`'s thread folders (0 inbox is no row).
constexpr std::string_view kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS relations(
  owner INTEGER NOT NULL, other INTEGER NOT NULL, relation INTEGER NOT NULL, PRIMARY KEY(owner, other)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings(owner INTEGER PRIMARY KEY, group_add INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS folders(
  owner INTEGER NOT NULL, thread INTEGER NOT NULL, folder INTEGER NOT NULL, PRIMARY KEY(owner, thread)
) WITHOUT ROWID;
)sql";

Result<sqlite::Database> open_with_schema(const std::string& path) {
  sqlite::OpenOptions options;
  options.log_component = "social";
  options.error = make_error_code(errc::io_error);
  auto db = sqlite::Database::open(path, options);
  if (!db) return fail(db.error());
  if (auto r = db->exec(kSchema); !r) return fail(r.error());
  return std::move(*db);
}

}  // namespace

Result<std::unique_ptr<SocialStore>> SocialStore::open(const std::string& path, core::GroupAdd group_add_default) {
  auto s = SqliteSocialStore::open(path, group_add_default);
  if (!s) return fail(s.error());
  return std::unique_ptr<SocialStore>(std::move(*s));
}

Result<std::unique_ptr<SqliteSocialStore>> SqliteSocialStore::open(const std::string& path,
                                                                   core::GroupAdd group_add_default) {
  auto db = open_with_schema(path);
  if (!db) return fail(db.error());
  std::unique_ptr<SqliteSocialStore> store(new SqliteSocialStore(std::move(*db), group_add_default));
  auto q = store->db_.prepare("SELECT owner, other FROM relations WHERE relation = 2");
  for (;;) {
    auto row = q.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    store->blocks_.emplace(core::UserId{q.u64(0)}, core::UserId{q.u64(1)});
  }
  return store;
}

Result<bool> SqliteSocialStore::holds_state(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return false;
  auto db = open_with_schema(path);
  if (!db) return fail(db.error());
  auto q = db->prepare(
      "SELECT EXISTS(SELECT 1 FROM relations) OR EXISTS(SELECT 1 FROM settings) OR EXISTS(SELECT 1 FROM folders)");
  auto row = q.step();
  if (!row) return fail(row.error());
  return *row && q.i64(0) != 0;
}

Result<core::Relation> SqliteSocialStore::relation_locked(core::UserId owner, core::UserId other) const {
  auto q = db_.prepare("SELECT relation FROM relations WHERE owner = ? AND other = ?");
  q.bind_u64(1, owner.value()).bind_u64(2, other.value());
  auto row = q.step();
  if (!row) return fail(row.error());
  if (!*row) return core::Relation::none;
  const auto v = q.i64(0);
  return v >= 0 && v <= core::kMaxRelation ? static_cast<core::Relation>(v) : core::Relation::none;
}

Result<core::GroupAdd> SqliteSocialStore::group_add_locked(core::UserId owner) const {
  auto q = db_.prepare("SELECT group_add FROM settings WHERE owner = ?");
  q.bind_u64(1, owner.value());
  auto row = q.step();
  if (!row) return fail(row.error());
  if (!*row) return group_add_default_;
  const auto v = q.i64(0);
  return v >= 0 && v <= core::kMaxGroupAdd ? static_cast<core::GroupAdd>(v) : group_add_default_;
}

Result<core::Relation> SqliteSocialStore::relation(core::UserId owner, core::UserId other) const {
  std::lock_guard lock(mu_);
  return relation_locked(owner, other);
}

Result<core::RecipientView> SqliteSocialStore::view(core::UserId recipient, core::UserId actor) const {
  std::lock_guard lock(mu_);
  auto relation = relation_locked(recipient, actor);
  if (!relation) return fail(relation.error());
  auto group_add = group_add_locked(recipient);
  if (!group_add) return fail(group_add.error());
  return core::RecipientView{*relation, *group_add};
}

Result<std::vector<core::UserId>> SqliteSocialStore::blocked_by(core::UserId actor,
                                                               std::span<const core::UserId> owners) const {
  std::lock_guard lock(mu_);
  std::vector<core::UserId> out;
  for (auto owner : owners) {
    if (blocks_.count({owner, actor}) != 0) out.push_back(owner);
  }
  return out;
}

Result<SocialState> SqliteSocialStore::state(core::UserId owner) const {
  std::lock_guard lock(mu_);
  SocialState s;
  auto q = db_.prepare("SELECT other, relation FROM relations WHERE owner = ? ORDER BY other");
  q.bind_u64(1, owner.value());
  for (;;) {
    auto row = q.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    const core::UserId other{q.u64(0)};
    (q.i64(1) == static_cast<std::int64_t>(core::Relation::blocked) ? s.blocked : s.contacts).push_back(other);
  }
  // SQL orders ids as signed integers: ids of 2^63 and up came first.
  std::sort(s.contacts.begin(), s.contacts.end());
  std::sort(s.blocked.begin(), s.blocked.end());
  auto g = group_add_locked(owner);
  if (!g) return fail(g.error());
  s.group_add = *g;
  return s;
}

Result<std::map<core::ThreadId, core::Folder>> SqliteSocialStore::folders(core::UserId owner) const {
  std::lock_guard lock(mu_);
  std::map<core::ThreadId, core::Folder> out;
  auto q = db_.prepare("SELECT thread, folder FROM folders WHERE owner = ?");
  q.bind_u64(1, owner.value());
  for (;;) {
    auto row = q.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    const auto v = q.i64(1);
    if (v > 0 && v <= core::kMaxFolder) out.emplace(core::ThreadId{q.u64(0)}, static_cast<core::Folder>(v));
  }
  return out;
}

Result<core::Folder> SqliteSocialStore::folder(core::UserId owner, core::ThreadId thread) const {
  std::lock_guard lock(mu_);
  auto q = db_.prepare("SELECT folder FROM folders WHERE owner = ? AND thread = ?");
  q.bind_u64(1, owner.value()).bind_u64(2, thread.value());
  auto row = q.step();
  if (!row) return fail(row.error());
  if (!*row) return core::Folder::inbox;
  const auto v = q.i64(0);
  return v > 0 && v <= core::kMaxFolder ? static_cast<core::Folder>(v) : core::Folder::inbox;
}

Result<void> SqliteSocialStore::set_relation(core::UserId owner, core::UserId other, core::Relation relation) {
  std::lock_guard lock(mu_);
  Result<void> r;
  if (relation == core::Relation::none) {
    auto q = db_.prepare("DELETE FROM relations WHERE owner = ? AND other = ?");
    r = q.bind_u64(1, owner.value()).bind_u64(2, other.value()).run();
  } else {
    auto q = db_.prepare(
        "INSERT INTO relations(owner, other, relation) VALUES(?, ?, ?) "
        "ON CONFLICT(owner, other) DO UPDATE SET relation = excluded.relation");
    r = q.bind_u64(1, owner.value()).bind_u64(2, other.value()).bind(3, static_cast<std::int64_t>(relation)).run();
  }
  if (!r) return r;
  if (relation == core::Relation::blocked) {
    blocks_.emplace(owner, other);
  } else {
    blocks_.erase({owner, other});
  }
  return r;
}

Result<void> SqliteSocialStore::set_group_add(core::UserId owner, core::GroupAdd group_add) {
  std::lock_guard lock(mu_);
  // Kept even when it equals the default: the user's choice outlives a change of the default.
  auto q = db_.prepare(
      "INSERT INTO settings(owner, group_add) VALUES(?, ?) "
      "ON CONFLICT(owner) DO UPDATE SET group_add = excluded.group_add");
  return q.bind_u64(1, owner.value()).bind(2, static_cast<std::int64_t>(group_add)).run();
}

Result<void> SqliteSocialStore::set_folders(std::span<const FolderRow> rows) {
  std::lock_guard lock(mu_);
  if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return r;
  auto put = db_.prepare(
      "INSERT INTO folders(owner, thread, folder) VALUES(?, ?, ?) "
      "ON CONFLICT(owner, thread) DO UPDATE SET folder = excluded.folder");
  auto drop = db_.prepare("DELETE FROM folders WHERE owner = ? AND thread = ?");
  for (const auto& row : rows) {
    auto r = row.folder == core::Folder::inbox
                 ? drop.bind_u64(1, row.user.value()).bind_u64(2, row.thread.value()).run()
                 : put.bind_u64(1, row.user.value()).bind_u64(2, row.thread.value())
                       .bind(3, static_cast<std::int64_t>(row.folder)).run();
    if (!r) {
      (void)db_.exec("ROLLBACK");
      return r;
    }
  }
  return db_.exec("COMMIT");
}

}  // namespace iris::store
