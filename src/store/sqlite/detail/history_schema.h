#pragma once
// The SQLite history schema, version 3 (docs/STORAGE_FORMAT.md, "History store"): a message's
// body once per thread, per-user rows that hold only what is per user.
//
//   position(user PK, epoch, seq)                    what history holds of each queue
//   bodies(rowid, thread, message, sender, time,     a MessageCreated's content, once per
//          client_hi, client_lo, text, reply_to,     thread: UNIQUE(thread, message)
//          attachments)
//   log(user, seq, thread, message, shown, edit,     every applied update of a user: PK(user,
//       edit_count, reactions, record)               seq); record NULL = the MessageCreated
//                                                    whose content is bodies(thread, message);
//                                                    a shown row's edit count and reactions
//   threads(user, thread, name, participants)        per user: the thread as the user sees it
//   watermarks(user, thread, reader, up_to)          per user: read receipts
//
// A rowid table holds the bodies because a row of a WITHOUT ROWID table spills to an overflow
// page above ~1 KB of a 4 KB page, and 1 KB messages are ordinary.

#include <string>

#include "base/result.h"
#include "sqlite/database.h"

namespace iris::store::detail {

inline constexpr int kHistorySchemaVersion = 3;

// Makes `db` hold schema version 3: creates it in a new file, migrates a version-1 or
// version-2 file (its updates replayed into the new tables, in one transaction), refuses any
// other version with a logged message naming the file and both versions (errc::unavailable).
Result<void> prepare_history_schema(sqlite::Database& db, const std::string& file);

}  // namespace iris::store::detail
