#pragma once
// The write half of the SQLite history store: applies batches to schema version 2
// (history_schema.h) with the rules of store/history_store.h. Used by the store's write
// connection, one thread at a time.
//
// A MessageCreated stores its body once per thread: the first recipient inserts
// bodies(thread, message); every recipient whose update has the same content (sender,
// time, client id, text, reply_to: all of them, in a real queue) writes only a log row with
// record NULL. An update whose content differs from the stored body (never, unless a queue was
// rebuilt with other content) keeps its own record in its log row, so nothing is lost.

#include <optional>

#include "base/result.h"
#include "core/update.h"
#include "sqlite/database.h"
#include "store/history_store.h"

namespace iris::store::detail {

class HistoryWrites {
 public:
  // Requires: db holds schema version 2 and outlives this object.
  explicit HistoryWrites(const sqlite::Database& db);
  // Every statement prepared (false: the failure was logged).
  bool ok() const { return ok_; }

  Result<void> begin();
  Result<void> commit();
  void rollback();
  // Applies one user's batch inside the open transaction.
  Result<void> apply(const HistoryBatch& batch);
  // Sets the user's position (the migration restores each user's exactly).
  Result<void> put_position(core::UserId user, const HistoryPosition& position);

 private:
  struct Body {
    core::ThreadId thread;
    core::MessageId message;
    core::UserId sender;
    core::Timestamp time;
    core::ClientMsgId client;
    std::string text;
    std::optional<core::MessageId> reply_to;
    bool operator==(const Body&) const = default;
  };
  Result<void> apply_update(core::UserId user, const core::Update& u,
                            std::optional<core::ThreadId>& known_thread);
  // True if the update's content is the thread's stored body (inserted now if there was none).
  Result<bool> shared_body(const Body& body);
  Result<void> set_participants(core::UserId user, core::ThreadId thread,
                                const core::ParticipantsChanged& change);

  bool ok_ = false;
  sqlite::Statement begin_, commit_, rollback_, get_position_, put_position_, clear_log_,
      clear_threads_, clear_watermarks_, ensure_thread_, get_participants_, set_name_,
      set_participants_, get_body_, put_body_, put_log_, hide_, edit_, put_watermark_;
  // The body last found or stored in this transaction: the recipients of one message follow
  // each other in a batch, and each need not read the text back.
  std::optional<Body> last_body_;
  std::string record_;  // scratch
};

// Participants as stored in threads.participants: user ids in join order, 8 bytes
// big-endian each.
std::string encode_participants(const std::vector<core::UserId>& users);
std::vector<core::UserId> decode_participants(std::string_view bytes);

}  // namespace iris::store::detail
