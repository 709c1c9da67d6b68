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
// Backends (docs/STORAGE_FORMAT.md "Social store"):
//  - SQLite (social/sqlite_social_store.h, `social.path`): the embedded default, one file per
//    server. In a cell each server then holds only what its own users' requests wrote.
//  - MariaDB (mariadb/mariadb_social_store.h): the cell's replicated store, shared by every
//    server of the cell (cell_wide()), so each server judges every recipient by the same state
//    and a user's new owner (failover, `irisctl user move`) has it all.
// Either way a write returns only once it is durable (SQLite synchronous=FULL; MariaDB's
// semi-sync COMMIT, on two servers), i.e. before the update announcing it is appended.
//
// The policy itself is one code path above both: core/social_policy.h's rules applied to the
// reads below (view, blocked_by), by folder_for_new_thread here and by sync_shard_social.cc.
//
// Thread-safety: every method may be called from any thread.

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/ids.h"
#include "core/social_policy.h"

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
  virtual ~SocialStore() = default;

  // Opens (creates) the embedded backend, SQLite at `path` (sqlite_social_store.h); ":memory:"
  // keeps it for the process's life. `group_add_default` is the setting of a user who never
  // chose one (a deployment's choice; the product's default is contacts).
  static Result<std::unique_ptr<SocialStore>> open(const std::string& path,
                                                   core::GroupAdd group_add_default = core::GroupAdd::contacts);

  // Whether every server of the cell reads and writes this same state: then a server judges
  // every recipient by it, also those another server owns; else only the users it owns.
  virtual bool cell_wide() const = 0;

  // What `other` is to `owner` (none when nothing was set).
  virtual Result<core::Relation> relation(core::UserId owner, core::UserId other) const = 0;
  // `recipient`'s state as far as `actor` is concerned (core::RecipientView).
  virtual Result<core::RecipientView> view(core::UserId recipient, core::UserId actor) const = 0;
  // Those of `owners` who blocked `actor`, in any order: one read for every recipient of a
  // send (it runs on every send). The caller bounds `owners` (a thread's participants).
  virtual Result<std::vector<core::UserId>> blocked_by(core::UserId actor,
                                                       std::span<const core::UserId> owners) const = 0;
  virtual Result<SocialState> state(core::UserId owner) const = 0;
  // `owner`'s threads that are not in the inbox.
  virtual Result<std::map<core::ThreadId, core::Folder>> folders(core::UserId owner) const = 0;
  virtual Result<core::Folder> folder(core::UserId owner, core::ThreadId thread) const = 0;

  virtual Result<void> set_relation(core::UserId owner, core::UserId other, core::Relation relation) = 0;
  virtual Result<void> set_group_add(core::UserId owner, core::GroupAdd group_add) = 0;
  // All rows in one transaction.
  virtual Result<void> set_folders(std::span<const FolderRow> rows) = 0;

  // The folder a new thread started (or joined) by `sender` lands in for `recipient`, or
  // nullopt when the recipient does not take it: the one entry point for every channel that
  // starts threads (requests, mail, SMS), the same for every backend.
  Result<std::optional<core::Folder>> folder_for_new_thread(core::UserId recipient, core::UserId sender,
                                                            core::Arrival arrival) const;
};

}  // namespace iris::store
