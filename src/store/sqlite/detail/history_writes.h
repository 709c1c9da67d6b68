#pragma once
// The write half of the SQLite history store: the table operations of schema version 3
// (history_schema.h) in SQLite's SQL, driven by the shared rules (store/detail/history_rules.h).
// Used by the store's write connection, one thread at a time.

#include "base/result.h"
#include "sqlite/database.h"
#include "store/detail/history_rules.h"
#include "store/history_store.h"

namespace iris::store::detail {

class HistoryWrites final : private HistoryTables {
 public:
  // Requires: db holds schema version 3 and outlives this object.
  explicit HistoryWrites(const sqlite::Database& db);
  // Every statement prepared (false: the failure was logged).
  bool ok() const { return ok_; }

  Result<void> begin();
  Result<void> commit();
  void rollback();
  // Applies one user's batch inside the open transaction.
  Result<void> apply(const HistoryBatch& batch) { return applier_.apply(batch); }
  // Sets the user's position (the migration restores each user's exactly).
  Result<void> put_position(core::UserId user, const HistoryPosition& position) override;

 private:
  Result<std::optional<HistoryPosition>> get_position(core::UserId user) override;
  Result<void> clear_user(core::UserId user) override;
  Result<void> ensure_thread(core::UserId user, core::ThreadId thread) override;
  Result<void> set_name(core::UserId user, core::ThreadId thread, std::string_view name) override;
  Result<std::vector<core::UserId>> participants(core::UserId user, core::ThreadId thread) override;
  Result<void> set_participants(core::UserId user, core::ThreadId thread,
                                const std::vector<core::UserId>& users) override;
  Result<std::optional<HistoryBody>> body(core::ThreadId thread, core::MessageId message) override;
  Result<bool> put_body(const HistoryBody& body) override;
  Result<void> put_log(core::UserId user, core::Seq seq, const HistoryLogRow& row) override;
  Result<void> hide(core::UserId user, core::ThreadId thread, core::MessageId message) override;
  Result<std::optional<MessageFolds>> folds(core::UserId user, core::ThreadId thread,
                                            core::MessageId message) override;
  Result<void> set_edit(core::UserId user, core::ThreadId thread, core::MessageId message,
                        core::Seq edit, std::uint32_t edit_count) override;
  Result<void> set_reactions(core::UserId user, core::ThreadId thread, core::MessageId message,
                             std::string_view reactions) override;
  Result<void> strip_body(core::ThreadId thread, core::MessageId message) override;
  Result<std::vector<std::pair<core::Seq, std::string>>> message_records(
      core::UserId user, core::ThreadId thread, core::MessageId message) override;
  Result<void> set_record(core::UserId user, core::Seq seq, std::string_view record) override;
  Result<void> raise_watermark(core::UserId user, core::ThreadId thread, core::UserId reader,
                               core::MessageId up_to) override;

  bool ok_ = false;
  sqlite::Statement begin_, commit_, rollback_, get_position_, put_position_, clear_log_,
      clear_threads_, clear_watermarks_, ensure_thread_, get_participants_, set_name_,
      set_participants_, get_body_, put_body_, put_log_, hide_, edit_, put_watermark_, folds_,
      reactions_, strip_body_, message_records_, set_record_;
  std::string attachments_;  // scratch
  HistoryApplier applier_{*this};
};

}  // namespace iris::store::detail
