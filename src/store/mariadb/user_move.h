#pragma once
// Moving one user's queue between two cells' MariaDB stores (docs/CLUSTER.md "Moving a user
// to another cell"; the steps and their order: cluster/move_plan.h). Blocking, for
// irisctl; never on an event loop.
//
// The rows that make a user's queue: queue_meta, queue_updates, queue_cursors (device,
// storage and history cursors alike) by user_id; queue_idempotency and queue_fanout by
// sender (the user's own sends: a retry after the move is still recognised, and fan-out not
// yet confirmed is sent on by the target cell's owner). The owner row is not copied: the
// target's servers claim the user as for any user they gain. The history tier's rows go along
// when both databases hold the MariaDB history store (UserRows::history).
//
// The epoch devices see is kept: a queue reports its stored epoch mixed with its store's
// failover generation (queue_schema.h epoch_in_generation), so the copy stores, in the
// target, the epoch that reports the same value under the target's generation.
//
// The user's own social state (social_relations, social_settings, social_folders rows it
// owns: mariadb/social_schema.h) goes along when the source database holds the MariaDB social
// store (UserRows::social): its blocks, contacts, setting and folders hold in the target cell.
// Rows naming the user in another user's state (another's block of it) are that user's and stay.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/ids.h"
#include "store/mariadb/connection.h"

namespace iris::store::mariadb {

// Everything the target store needs of one user, as the source store holds it.
struct UserRows {
  core::UserId user;
  core::Epoch epoch;  // as devices see it (0: the user has no queue)
  std::uint64_t first_seq = 1, head_seq = 0;
  struct Update {
    std::uint64_t seq = 0, actor = 0;
    std::string record;
  };
  struct Cursor {
    std::string name;
    std::uint64_t seq = 0;
  };
  struct Idempotency {
    std::uint64_t client_hi = 0, client_lo = 0;
    std::string record;
  };
  struct Fanout {
    std::uint64_t seq = 0;
    std::string recipients, record;
  };
  // The history tier's rows of the user (a MariaDB history store in the same database:
  // history_position, its pointer into the queue; history_log, history_threads,
  // history_watermarks; and the history_bodies of the threads its log names, shared with the
  // threads' other participants). Empty when the source database has no history tables.
  struct Table {
    std::string name;
    std::vector<std::string> columns;
    std::vector<bool> integer;  // per column: written as a number, else as bytes
    std::vector<std::vector<std::optional<std::string>>> rows;
    bool shared = false;        // history_bodies: kept where the target has them already
  };
  std::vector<Update> updates;
  std::vector<Table> history;
  // The user's social rows (kept as the history rows are); empty when the source database
  // has no social tables.
  std::vector<Table> social;
  std::vector<Cursor> cursors;
  std::vector<Idempotency> idempotency;
  std::vector<Fanout> fanout;
  std::uint64_t bytes() const;  // the records' sizes, summed
};

// The stored epoch that epoch_in_generation turns into `reported` under `generation`
// (its inverse). invalid_request when no nonzero stored epoch does (a reported epoch of 0).
Result<core::Epoch> stored_epoch_for(core::Epoch reported, std::uint64_t generation);

// The user's owner row: its owner name, nullopt when the user has no row.
Result<std::optional<std::string>> owner_of(Connection& conn, core::UserId user);
// Step 1: the user's owner row becomes (`owner`, the highest term), whatever it held, so
// every fenced append of the cell's servers is refused and no claim takes the user back.
// Waits at most `lock_wait` for an append in flight that holds the row.
Result<void> fence_user(Connection& conn, core::UserId user, std::string_view owner, std::chrono::seconds lock_wait);
// Removes the user's owner row if it names `owner` (undoing fence_user); the cell's servers
// then claim the user again as before.
Result<void> unfence_user(Connection& conn, core::UserId user, std::string_view owner);

// Reads the user's rows in one consistent snapshot; overloaded when
// their records exceed `max_bytes` (checked before they are read).
Result<UserRows> export_user(Connection& conn, core::UserId user, std::uint64_t max_bytes);
// Step 2: replaces, in one transaction, everything the store holds of the user (its queue,
// cursors, idempotency records, fan-out rows and owner row, and its history and social rows
// when `rows` has them) by `rows`. Creates the queue schema (and the history or social
// schema, for such rows) if the database has none.
Result<void> import_user(Connection& conn, const UserRows& rows);

}  // namespace iris::store::mariadb
