#pragma once
// The embedded social store (social_store.h): SQLite in WAL mode with synchronous = FULL, so
// a change is on disk before the update that announces it is appended. One file per server:
// not cell_wide(). Blocks, read on every send, are also held in memory (loaded at open; a
// block list is short). Tables: docs/STORAGE_FORMAT.md "Social store".
//
// Thread-safety: one mutex serializes every method (each holds it for one short statement or
// transaction).

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "store/social/social_store.h"
#include "sqlite/database.h"

namespace iris::store {

class SqliteSocialStore final : public SocialStore {
 public:
  // Opens (creates) the database at `path`; ":memory:" keeps it for the process's life.
  static Result<std::unique_ptr<SqliteSocialStore>> open(const std::string& path,
                                                         core::GroupAdd group_add_default);
  // Whether a file at `path` holds any contact, block, setting or folder: a server about to
  // use another backend must not silently leave them behind. False when there is no file.
  static Result<bool> holds_state(const std::string& path);

  bool cell_wide() const override { return false; }
  Result<core::Relation> relation(core::UserId owner, core::UserId other) const override;
  Result<core::RecipientView> view(core::UserId recipient, core::UserId actor) const override;
  Result<std::vector<core::UserId>> blocked_by(core::UserId actor,
                                               std::span<const core::UserId> owners) const override;
  Result<SocialState> state(core::UserId owner) const override;
  Result<std::map<core::ThreadId, core::Folder>> folders(core::UserId owner) const override;
  Result<core::Folder> folder(core::UserId owner, core::ThreadId thread) const override;
  Result<void> set_relation(core::UserId owner, core::UserId other, core::Relation relation) override;
  Result<void> set_group_add(core::UserId owner, core::GroupAdd group_add) override;
  Result<void> set_folders(std::span<const FolderRow> rows) override;

 private:
  SqliteSocialStore(sqlite::Database db, core::GroupAdd group_add_default)
      : db_(std::move(db)), group_add_default_(group_add_default) {}
  Result<core::Relation> relation_locked(core::UserId owner, core::UserId other) const;
  Result<core::GroupAdd> group_add_locked(core::UserId owner) const;

  mutable std::mutex mu_;
  sqlite::Database db_;                                       // guarded by mu_
  const core::GroupAdd group_add_default_;
  std::set<std::pair<core::UserId, core::UserId>> blocks_;    // (owner, blocked); by mu_
};

}  // namespace iris::store
