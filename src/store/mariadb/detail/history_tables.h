#pragma once
// The MariaDB history store's table operations (schema version 3, as the SQLite store's:
// docs/STORAGE_FORMAT.md, "History store format (MariaDB)"), driven by the shared write rules
// (store/detail/history_rules.h) on one connection inside the caller's transaction.

#include <cstdint>
#include <optional>

#include "base/result.h"
#include "store/detail/history_rules.h"
#include "store/mariadb/connection.h"

namespace iris::store::mariadb::detail {

// The version this build reads and writes; history_schema.version holds the database's.
inline constexpr int kHistorySchemaVersion = 3;

// Creates the tables if missing, upgrades version 2 tables in place (the per-message columns
// added: messages applied before read no attachments, edit count 0 and no reactions) and checks
// the stored version: unavailable (logged, naming both versions) for a database of another one.
Result<void> prepare_history_schema(Connection& c);

// A cell as an integer; nullopt for NULL; corrupt_record if it is not a number.
Result<std::optional<std::uint64_t>> cell_u64(const Rows& rows, std::size_t row, std::size_t col);
Result<std::int64_t> cell_i64(const Rows& rows, std::size_t row, std::size_t col);

class HistoryTables final : public store::detail::HistoryTables {
 public:
  // Requires: c outlives this object and has a transaction open.
  explicit HistoryTables(Connection& c) : c_(c) {}

  Result<std::optional<HistoryPosition>> get_position(core::UserId user) override;
  Result<void> put_position(core::UserId user, const HistoryPosition& position) override;
  Result<void> clear_user(core::UserId user) override;
  Result<void> ensure_thread(core::UserId user, core::ThreadId thread) override;
  Result<void> set_name(core::UserId user, core::ThreadId thread, std::string_view name) override;
  Result<std::vector<core::UserId>> participants(core::UserId user, core::ThreadId thread) override;
  Result<void> set_participants(core::UserId user, core::ThreadId thread,
                                const std::vector<core::UserId>& users) override;
  Result<std::optional<store::detail::HistoryBody>> body(core::ThreadId thread,
                                                         core::MessageId message) override;
  Result<bool> put_body(const store::detail::HistoryBody& body) override;
  Result<void> put_log(core::UserId user, core::Seq seq, const store::detail::HistoryLogRow& row) override;
  Result<void> hide(core::UserId user, core::ThreadId thread, core::MessageId message) override;
  Result<std::optional<store::detail::MessageFolds>> folds(core::UserId user, core::ThreadId thread,
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

 private:
  Result<void> run(const char* sql, std::span<const Param> params);
  Result<Rows> rows(const char* sql, std::span<const Param> params);

  Connection& c_;
};

}  // namespace iris::store::mariadb::detail
