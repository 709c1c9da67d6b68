#pragma once
// The read half of the SQLite history store over schema version 3 (history_schema.h): the
// position, the inbox, paged messages and the update log of one user. Used by the store's
// read connection, one thread at a time.
//
// Message ids are stored as the integer with the same bits (sqlite/database.h), so SQL orders
// them as u64 only below 2^63: every ordered or ranged read runs over u64 ranges split at
// 2^63 (u64 order = the [0, 2^63) half, then the [2^63, 2^64) half), each served by the
// log_view index.

#include <optional>
#include <vector>

#include "base/result.h"
#include "sqlite/database.h"
#include "store/history_store.h"

namespace iris::store::detail {

class HistoryReads {
 public:
  // Requires: db holds schema version 3 and outlives this object.
  explicit HistoryReads(const sqlite::Database& db);
  bool ok() const { return ok_; }

  Result<HistoryPosition> position(core::UserId user);
  // In one read transaction, so the inbox is as of the position it names.
  Result<HistoryInbox> inbox(core::UserId user, std::size_t latest);
  Result<std::vector<HistoryMessage>> messages(core::UserId user, core::ThreadId thread,
                                               std::optional<core::MessageId> before,
                                               std::size_t limit);
  Result<std::vector<core::Update>> updates(core::UserId user, core::Seq from, std::size_t max_count);

 private:
  Result<std::uint64_t> unread(core::UserId user, core::ThreadId thread,
                               std::optional<core::MessageId> read_up_to);

  bool ok_ = false;
  sqlite::Statement begin_, end_, position_, threads_, view_, watermarks_, count_, updates_;
};

}  // namespace iris::store::detail
