#pragma once
// The history store's write rules, once for every backend with schema version 3
// (docs/STORAGE_FORMAT.md, "History store"): HistoryApplier applies one user's batch with the
// rules of store/history_store.h through HistoryTables, the few table operations a backend
// implements in its SQL (SQLite, MariaDB).
//
// A MessageCreated stores its body once per thread: the first recipient puts the thread's
// body; every recipient whose update has the same content (sender, time, client id, text,
// reply_to, attachments: all of them, in a real queue) gets a log row without a record. An
// update whose content differs from the stored body keeps its own record, so nothing is lost.
//
// Per message the shown row keeps what folds into it: the latest edit (its seq) and the edit
// count, and the reactions. They fold by core/thread_fold.h's per-message rules, the ones the
// queue's snapshot (sync::Inbox) uses, so a message read from history equals the one read from
// the queue. An unsend strips the message's content (core::strip_unsent) from the thread's body
// and from every record of the user's log that has it: the history tier keeps no unsent text
// and no attachment reference the unsend released.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "core/update.h"
#include "store/history_store.h"

namespace iris::store::detail {

// A MessageCreated's content, as the thread's body stores it.
struct HistoryBody {
  core::ThreadId thread;
  core::MessageId message;
  core::UserId sender;
  core::Timestamp time;
  core::ClientMsgId client;
  std::string text;
  std::optional<core::MessageId> reply_to;
  std::vector<core::Attachment> attachments;
  bool operator==(const HistoryBody&) const = default;
};

// What folds into a shown message row (see above).
struct MessageFolds {
  std::uint32_t edit_count = 0;
  std::vector<core::Reaction> reactions;  // by user id
};

// One log row (the user and seq aside). For a MessageCreated: thread and message name the
// body, shown is 1 (the user's own) or 0; record is empty when the body has the content.
// A MessageEdited: thread and message name the message it edits (so an unsend finds it), no
// shown. Other updates: no thread, message or shown. Record: the encoded update.
struct HistoryLogRow {
  std::optional<core::ThreadId> thread;
  std::optional<core::MessageId> message;
  std::optional<int> shown;
  std::optional<std::string_view> record;
};

class HistoryTables {
 public:
  virtual ~HistoryTables() = default;
  virtual Result<std::optional<HistoryPosition>> get_position(core::UserId user) = 0;
  virtual Result<void> put_position(core::UserId user, const HistoryPosition& position) = 0;
  // Deletes the user's log, threads and watermarks (bodies are the threads').
  virtual Result<void> clear_user(core::UserId user) = 0;
  // Adds the user's thread row (no name, no participants) if it is missing.
  virtual Result<void> ensure_thread(core::UserId user, core::ThreadId thread) = 0;
  virtual Result<void> set_name(core::UserId user, core::ThreadId thread, std::string_view name) = 0;
  virtual Result<std::vector<core::UserId>> participants(core::UserId user, core::ThreadId thread) = 0;
  virtual Result<void> set_participants(core::UserId user, core::ThreadId thread,
                                        const std::vector<core::UserId>& users) = 0;
  virtual Result<std::optional<HistoryBody>> body(core::ThreadId thread, core::MessageId message) = 0;
  // Stores the thread's body of a message; false, writing nothing, when the thread holds one
  // already (another server's writer stored it after this transaction looked: a cell's servers
  // write the bodies of a thread's members concurrently).
  virtual Result<bool> put_body(const HistoryBody& body) = 0;
  virtual Result<void> put_log(core::UserId user, core::Seq seq, const HistoryLogRow& row) = 0;
  // The shown row of (thread, message), if any, leaves the view (shown and edit cleared).
  virtual Result<void> hide(core::UserId user, core::ThreadId thread, core::MessageId message) = 0;
  // What folded into the shown row of (thread, message) so far; nullopt if none is shown.
  virtual Result<std::optional<MessageFolds>> folds(core::UserId user, core::ThreadId thread,
                                                    core::MessageId message) = 0;
  // The shown row of (thread, message), if any, takes its text from the edit logged at `edit`
  // and counts `edit_count` edits.
  virtual Result<void> set_edit(core::UserId user, core::ThreadId thread, core::MessageId message,
                                core::Seq edit, std::uint32_t edit_count) = 0;
  // The shown row of (thread, message), if any, has these reactions (encode_reactions; empty:
  // none).
  virtual Result<void> set_reactions(core::UserId user, core::ThreadId thread, core::MessageId message,
                                     std::string_view reactions) = 0;
  // The thread's body of `message`, if any, loses its text and attachments (an unsend).
  virtual Result<void> strip_body(core::ThreadId thread, core::MessageId message) = 0;
  // The user's log rows naming (thread, message) that are not shown and have a record (the
  // message's edits, its hidden creates): their seqs and records.
  virtual Result<std::vector<std::pair<core::Seq, std::string>>> message_records(
      core::UserId user, core::ThreadId thread, core::MessageId message) = 0;
  virtual Result<void> set_record(core::UserId user, core::Seq seq, std::string_view record) = 0;
  // The reader's watermark becomes max(current, up_to) in u64 order.
  virtual Result<void> raise_watermark(core::UserId user, core::ThreadId thread, core::UserId reader,
                                       core::MessageId up_to) = 0;
};

class HistoryApplier {
 public:
  // Requires: tables outlives this object.
  explicit HistoryApplier(HistoryTables& tables) : tables_(tables) {}
  // Forgets what it knows of the tables: call at every transaction start and after a rollback.
  void forget() { last_body_.reset(); }
  // Applies one user's batch inside the caller's open transaction.
  Result<void> apply(const HistoryBatch& batch);

 private:
  Result<void> apply_update(core::UserId user, const core::Update& u,
                            std::optional<core::ThreadId>& known_thread);
  // True if `body` is the thread's stored body (stored now if there was none).
  Result<bool> shared_body(const HistoryBody& body);
  Result<void> fold_into_shown(core::UserId user, const core::Update& u);
  Result<void> strip_unsent(core::UserId user, core::ThreadId thread, core::MessageId message);

  HistoryTables& tables_;
  // The body last found or stored in this transaction: the recipients of one message follow
  // each other in a batch, and each need not read the text back.
  std::optional<HistoryBody> last_body_;
  std::string record_;  // scratch
};

// Participants as both backends store them: user ids in join order, 8 bytes big-endian each.
std::string encode_participants(const std::vector<core::UserId>& users);
std::vector<core::UserId> decode_participants(std::string_view bytes);

}  // namespace iris::store::detail
