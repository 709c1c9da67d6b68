#pragma once
// SocialStore: every user's contacts, blocks, group-add setting and thread folders
// (core/social_policy.h), in a table store of their own, readable from every shard.
//
// Why a table and not only the user's queue: the policy is checked on the requester's owner
// shard against the *recipients'* state (did B block A? is A B's contact?), and a recipient's
// queue and inbox live on its own owner shard. A table answers those point reads from any
// shard at once, and stays whole however far a queue is trimmed. The user's own devices still
// learn every change as a delta: the request path writes the table, then appends the matching
// ContactChanged / FolderChanged / SettingsChanged to the user's queue (absolute values, so a
// snapshot read from the table a little ahead of its seq converges with the deltas after it).
//
// Durability: SQLite in WAL mode with synchronous = FULL: a change is on disk before the
// update that announces it is appended. Blocks, read on every send, are also held in memory
// (loaded at open; a block list is short).
//
// Thread-safety: every method may be called from any thread; one mutex serializes them (each
// holds it for one short statement or transaction). Not yet shared across the servers of a
// cell: each server has its own file (docs/PROTOCOL.md "Contacts, blocks and folders").

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "core/ids.h"
#include "core/social_policy.h"
#include "sqlite/database.h"

namespace iris::store {

// One user's contacts and blocked users (ascending) and its group-add setting.
struct SocialState {
  std::vector<core::UserId> contacts;
  std::vector<core::UserId> blocked;
  core::GroupAdd group_add = core::GroupAdd::contacts;
  bool operator==(const SocialState&) const = default;
};

struct FolderRow {
  core::UserId user;
  core::ThreadId thread;
  core::Folder folder = core::Folder::inbox;
};

class SocialStore {
 public:
  // Opens (creates) the database at `path`; ":memory:" keeps it for the process's life.
  // `group_add_default` is the setting of a user who never chose one (a deployment's
  // choice; the product's default is contacts).
  static Result<std::unique_ptr<SocialStore>> open(const std::string& path,
                                                   core::GroupAdd group_add_default = core::GroupAdd::contacts);

  // What `other` is to `owner` (none when nothing was set).
  Result<core::Relation> relation(core::UserId owner, core::UserId other) const;
  // `recipient`'s state as far as `actor` is concerned (core::RecipientView).
  Result<core::RecipientView> view(core::UserId recipient, core::UserId actor) const;
  // Whether `owner` blocked `actor`: from memory, for every send.
  bool has_blocked(core::UserId owner, core::UserId actor) const;
  // The folder a new thread started (or joined) by `sender` lands in for `recipient`, or
  // nullopt when the recipient does not take it: the one entry point for every channel that
  // starts threads (requests, mail, SMS).
  Result<std::optional<core::Folder>> folder_for_new_thread(core::UserId recipient, core::UserId sender,
                                                            core::Arrival arrival) const;
  Result<SocialState> state(core::UserId owner) const;
  // `owner`'s threads that are not in the inbox.
  Result<std::map<core::ThreadId, core::Folder>> folders(core::UserId owner) const;
  Result<core::Folder> folder(core::UserId owner, core::ThreadId thread) const;

  Result<void> set_relation(core::UserId owner, core::UserId other, core::Relation relation);
  Result<void> set_group_add(core::UserId owner, core::GroupAdd group_add);
  // All rows in one transaction.
  Result<void> set_folders(std::span<const FolderRow> rows);

 private:
  SocialStore(sqlite::Database db, core::GroupAdd group_add_default)
      : db_(std::move(db)), group_add_default_(group_add_default) {}
  Result<core::Relation> relation_locked(core::UserId owner, core::UserId other) const;
  Result<core::GroupAdd> group_add_locked(core::UserId owner) const;

  mutable std::mutex mu_;
  sqlite::Database db_;                                       // guarded by mu_
  const core::GroupAdd group_add_default_;
  std::set<std::pair<core::UserId, core::UserId>> blocks_;    // (owner, blocked); by mu_
};

}  // namespace iris::store
