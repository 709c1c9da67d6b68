#include "store/mariadb/detail/history_tables.h"

#include <charconv>

#include <fmt/format.h>

#include "base/log.h"
#include "store/detail/record_codec.h"
#include "store/errc.h"

namespace iris::store::mariadb::detail {

using core::MessageId;
using core::ThreadId;
using core::UserId;
using store::detail::HistoryBody;
using store::detail::HistoryLogRow;

namespace {

// Ids are BIGINT UNSIGNED: MariaDB orders and compares them as u64 natively. Texts, names and
// records are bytes (LONGBLOB): no character set conversion between irisd and the server.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS history_schema(
  id TINYINT UNSIGNED PRIMARY KEY, version INT NOT NULL) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS history_position(
  user_id BIGINT UNSIGNED PRIMARY KEY, epoch BIGINT UNSIGNED NOT NULL, seq BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS history_bodies(
  thread_id BIGINT UNSIGNED NOT NULL, message_id BIGINT UNSIGNED NOT NULL,
  sender_id BIGINT UNSIGNED NOT NULL, sent_ms BIGINT NOT NULL,
  client_hi BIGINT UNSIGNED NOT NULL, client_lo BIGINT UNSIGNED NOT NULL,
  body LONGBLOB NOT NULL, reply_to BIGINT UNSIGNED NULL, attachments LONGBLOB NULL,
  PRIMARY KEY(thread_id, message_id)) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS history_log(
  user_id BIGINT UNSIGNED NOT NULL, seq BIGINT UNSIGNED NOT NULL,
  thread_id BIGINT UNSIGNED NULL, message_id BIGINT UNSIGNED NULL, shown TINYINT NULL,
  edit_seq BIGINT UNSIGNED NULL, edit_count INT UNSIGNED NOT NULL DEFAULT 0,
  reactions LONGBLOB NULL, record LONGBLOB NULL,
  PRIMARY KEY(user_id, seq), KEY history_log_view(user_id, thread_id, message_id, shown)
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS history_threads(
  user_id BIGINT UNSIGNED NOT NULL, thread_id BIGINT UNSIGNED NOT NULL,
  name LONGBLOB NOT NULL, participants LONGBLOB NOT NULL,
  PRIMARY KEY(user_id, thread_id)) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS history_watermarks(
  user_id BIGINT UNSIGNED NOT NULL, thread_id BIGINT UNSIGNED NOT NULL,
  reader_id BIGINT UNSIGNED NOT NULL, up_to BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY(user_id, thread_id, reader_id)) ENGINE=InnoDB;
)sql";

// Version 2 to 3: the per-message columns. DDL is not transactional in MariaDB, so each step
// may be repeated after a failure (IF NOT EXISTS; the version moves last).
constexpr const char* kUpgradeFrom2 = R"sql(
ALTER TABLE history_bodies ADD COLUMN IF NOT EXISTS attachments LONGBLOB NULL;
ALTER TABLE history_log ADD COLUMN IF NOT EXISTS edit_count INT UNSIGNED NOT NULL DEFAULT 0 AFTER edit_seq,
  ADD COLUMN IF NOT EXISTS reactions LONGBLOB NULL AFTER edit_count;
UPDATE history_schema SET version = 3 WHERE id = 1 AND version = 2;
)sql";

}  // namespace

Result<void> prepare_history_schema(Connection& c) {
  if (auto r = c.execute(kSchema); !r) return r;
  if (auto old = c.query_one("SELECT version FROM history_schema WHERE id = 1"); !old) {
    return fail(old.error());
  } else if (!old->empty() && old->u64(0, 0) && *old->u64(0, 0) == 2) {
    IRIS_LOG(info, "history", "upgrading the MariaDB history tables at {} from schema version 2 to {}",
             c.server().str(), kHistorySchemaVersion);
    if (auto r = c.execute(kUpgradeFrom2); !r) return r;
  }
  if (auto r = c.execute(fmt::format("INSERT IGNORE INTO history_schema(id, version) VALUES(1, {})",
                                     kHistorySchemaVersion));
      !r) {
    return r;
  }
  auto rows = c.query_one("SELECT version FROM history_schema WHERE id = 1");
  if (!rows) return fail(rows.error());
  auto version = rows->empty() ? Result<std::uint64_t>(fail(errc::corrupt_record)) : rows->u64(0, 0);
  if (!version || *version != static_cast<std::uint64_t>(kHistorySchemaVersion)) {
    IRIS_LOG(error, "history",
             "MariaDB history tables at {} have schema version {}, this build reads version {}; "
             "refusing them: use the irisd that wrote them",
             c.server().str(), version ? std::to_string(*version) : std::string("?"), kHistorySchemaVersion);
    return fail(errc::unavailable);
  }
  return {};
}

Result<std::optional<std::uint64_t>> cell_u64(const Rows& rows, std::size_t row, std::size_t col) {
  if (!rows.at(row, col)) return std::optional<std::uint64_t>{};
  auto v = rows.u64(row, col);
  if (!v) return fail(v.error());
  return std::optional<std::uint64_t>{*v};
}

Result<std::int64_t> cell_i64(const Rows& rows, std::size_t row, std::size_t col) {
  const auto s = rows.bytes(row, col);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return fail(errc::corrupt_record);
  return v;
}

Result<void> HistoryTables::run(const char* sql, std::span<const Param> params) { return c_.execute(sql, params); }

Result<Rows> HistoryTables::rows(const char* sql, std::span<const Param> params) { return c_.query(sql, params); }

// Two servers may write one user's history at once: the owner that is handing the user over
// (draining, or not yet told of a ring change) and the new one. The position row is locked
// first, so they take turns and the second skips what the first wrote. A user without a row
// gets a placeholder (epoch 0, never a queue's) that put_position replaces before the commit;
// inserting it rather than locking the missing row's gap keeps two first writers from a
// deadlock (two gap locks, then two inserts).
Result<std::optional<HistoryPosition>> HistoryTables::get_position(UserId user) {
  const Param p[] = {user.value()};
  if (auto r = run("INSERT INTO history_position(user_id, epoch, seq) VALUES(?, 0, 0) "
                   "ON DUPLICATE KEY UPDATE user_id = user_id", p);
      !r) {
    return fail(r.error());
  }
  auto r = rows("SELECT epoch, seq FROM history_position WHERE user_id = ?", p);
  if (!r) return fail(r.error());
  if (r->empty() || r->u64(0, 0).value_or(1) == 0) return std::optional<HistoryPosition>{};
  auto epoch = r->u64(0, 0);
  auto seq = r->u64(0, 1);
  if (!epoch || !seq) return fail(errc::corrupt_record);
  return std::optional<HistoryPosition>{HistoryPosition{core::Epoch{*epoch}, core::Seq{*seq}}};
}

Result<void> HistoryTables::put_position(UserId user, const HistoryPosition& position) {
  const Param p[] = {user.value(), position.epoch.value(), position.seq.value()};
  return run("INSERT INTO history_position(user_id, epoch, seq) VALUES(?, ?, ?) "
             "ON DUPLICATE KEY UPDATE epoch = VALUES(epoch), seq = VALUES(seq)", p);
}

Result<void> HistoryTables::clear_user(UserId user) {
  const Param p[] = {user.value()};
  for (const char* sql : {"DELETE FROM history_log WHERE user_id = ?",
                          "DELETE FROM history_threads WHERE user_id = ?",
                          "DELETE FROM history_watermarks WHERE user_id = ?"}) {
    if (auto r = run(sql, p); !r) return r;
  }
  return {};
}

Result<void> HistoryTables::ensure_thread(UserId user, ThreadId thread) {
  const Param p[] = {user.value(), thread.value()};
  return run("INSERT INTO history_threads(user_id, thread_id, name, participants) VALUES(?, ?, '', '') "
             "ON DUPLICATE KEY UPDATE user_id = user_id", p);
}

Result<void> HistoryTables::set_name(UserId user, ThreadId thread, std::string_view name) {
  const Param p[] = {name, user.value(), thread.value()};
  return run("UPDATE history_threads SET name = ? WHERE user_id = ? AND thread_id = ?", p);
}

Result<std::vector<UserId>> HistoryTables::participants(UserId user, ThreadId thread) {
  const Param p[] = {user.value(), thread.value()};
  auto r = rows("SELECT participants FROM history_threads WHERE user_id = ? AND thread_id = ?", p);
  if (!r) return fail(r.error());
  if (r->empty()) return fail(errc::corrupt_record);  // ensure_thread made it
  return store::detail::decode_participants(r->bytes(0, 0));
}

Result<void> HistoryTables::set_participants(UserId user, ThreadId thread, const std::vector<UserId>& users) {
  const std::string bytes = store::detail::encode_participants(users);
  const Param p[] = {std::string_view(bytes), user.value(), thread.value()};
  return run("UPDATE history_threads SET participants = ? WHERE user_id = ? AND thread_id = ?", p);
}

Result<std::optional<HistoryBody>> HistoryTables::body(ThreadId thread, MessageId message) {
  const Param p[] = {thread.value(), message.value()};
  auto r = rows("SELECT sender_id, sent_ms, client_hi, client_lo, body, reply_to, attachments FROM history_bodies "
                "WHERE thread_id = ? AND message_id = ?", p);
  if (!r) return fail(r.error());
  if (r->empty()) return std::optional<HistoryBody>{};
  auto sender = r->u64(0, 0);
  auto ms = cell_i64(*r, 0, 1);
  auto hi = r->u64(0, 2);
  auto lo = r->u64(0, 3);
  auto reply = cell_u64(*r, 0, 5);
  if (!sender || !ms || !hi || !lo || !reply) return fail(errc::corrupt_record);
  HistoryBody b{thread, message, UserId{*sender}, core::Timestamp{std::chrono::milliseconds{*ms}},
                core::ClientMsgId{*hi, *lo}, std::string(r->bytes(0, 4)), std::nullopt, {}};
  if (*reply) b.reply_to = MessageId{**reply};
  if (r->at(0, 6)) {
    auto list = store::detail::decode_attachments(r->bytes(0, 6));
    if (!list) return fail(list.error());
    b.attachments = std::move(*list);
  }
  return std::optional<HistoryBody>{std::move(b)};
}

// The bodies are the thread's, written by the writers of all its members, on any server: a
// body stored by another transaction since body() looked is a duplicate key, which this
// insert turns into no change (waiting for that transaction to end first).
Result<bool> HistoryTables::put_body(const HistoryBody& b) {
  const Param reply = b.reply_to ? Param{b.reply_to->value()} : Param{nullptr};
  std::string attachments;
  store::detail::encode_attachments(b.attachments, attachments);
  const Param p[] = {b.thread.value(), b.message.value(), b.sender.value(),
                     std::int64_t{b.time.time_since_epoch().count()}, b.client.hi, b.client.lo,
                     std::string_view(b.text), reply,
                     attachments.empty() ? Param{nullptr} : Param{std::string_view(attachments)}};
  auto s = c_.prepare("INSERT INTO history_bodies(thread_id, message_id, sender_id, sent_ms, client_hi, "
                      "client_lo, body, reply_to, attachments) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) "
                      "ON DUPLICATE KEY UPDATE thread_id = thread_id");
  if (!s) return fail(s.error());
  if (auto r = (*s)->execute(p); !r) return fail(r.error());
  return (*s)->affected_rows() == 1;
}

Result<void> HistoryTables::put_log(UserId user, core::Seq seq, const HistoryLogRow& row) {
  const Param p[] = {user.value(), seq.value(),
                     row.thread ? Param{row.thread->value()} : Param{nullptr},
                     row.message ? Param{row.message->value()} : Param{nullptr},
                     row.shown ? Param{std::int64_t{*row.shown}} : Param{nullptr},
                     row.record ? Param{*row.record} : Param{nullptr}};
  return run("INSERT INTO history_log(user_id, seq, thread_id, message_id, shown, record) "
             "VALUES(?, ?, ?, ?, ?, ?)", p);
}

Result<void> HistoryTables::hide(UserId user, ThreadId thread, MessageId message) {
  const Param p[] = {user.value(), thread.value(), message.value()};
  return run("UPDATE history_log SET shown = NULL, edit_seq = NULL, edit_count = 0, reactions = NULL "
             "WHERE user_id = ? AND thread_id = ? AND message_id = ? AND shown IS NOT NULL", p);
}

Result<std::optional<store::detail::MessageFolds>> HistoryTables::folds(UserId user, ThreadId thread,
                                                                        MessageId message) {
  const Param p[] = {user.value(), thread.value(), message.value()};
  auto r = rows("SELECT edit_count, reactions FROM history_log "
                "WHERE user_id = ? AND thread_id = ? AND message_id = ? AND shown IS NOT NULL", p);
  if (!r) return fail(r.error());
  if (r->empty()) return std::optional<store::detail::MessageFolds>{};
  auto count = r->u64(0, 0);
  if (!count) return fail(errc::corrupt_record);
  store::detail::MessageFolds f{static_cast<std::uint32_t>(*count), {}};
  if (r->at(0, 1)) {
    auto list = store::detail::decode_reactions(r->bytes(0, 1));
    if (!list) return fail(list.error());
    f.reactions = std::move(*list);
  }
  return std::optional<store::detail::MessageFolds>{std::move(f)};
}

Result<void> HistoryTables::set_edit(UserId user, ThreadId thread, MessageId message, core::Seq edit,
                                     std::uint32_t edit_count) {
  const Param p[] = {edit.value(), std::uint64_t{edit_count}, user.value(), thread.value(), message.value()};
  return run("UPDATE history_log SET edit_seq = ?, edit_count = ? "
             "WHERE user_id = ? AND thread_id = ? AND message_id = ? AND shown IS NOT NULL", p);
}

Result<void> HistoryTables::set_reactions(UserId user, ThreadId thread, MessageId message,
                                          std::string_view reactions) {
  const Param p[] = {reactions.empty() ? Param{nullptr} : Param{reactions}, user.value(), thread.value(),
                     message.value()};
  return run("UPDATE history_log SET reactions = ? "
             "WHERE user_id = ? AND thread_id = ? AND message_id = ? AND shown IS NOT NULL", p);
}

Result<void> HistoryTables::strip_body(ThreadId thread, MessageId message) {
  const Param p[] = {thread.value(), message.value()};
  return run("UPDATE history_bodies SET body = '', attachments = NULL WHERE thread_id = ? AND message_id = ?", p);
}

Result<std::vector<std::pair<core::Seq, std::string>>> HistoryTables::message_records(UserId user, ThreadId thread,
                                                                                     MessageId message) {
  const Param p[] = {user.value(), thread.value(), message.value()};
  auto r = rows("SELECT seq, record FROM history_log WHERE user_id = ? AND thread_id = ? AND message_id = ? "
                "AND shown IS NULL AND record IS NOT NULL", p);
  if (!r) return fail(r.error());
  std::vector<std::pair<core::Seq, std::string>> out;
  for (std::size_t i = 0; i < r->size(); ++i) {
    auto seq = r->u64(i, 0);
    if (!seq) return fail(errc::corrupt_record);
    out.emplace_back(core::Seq{*seq}, std::string(r->bytes(i, 1)));
  }
  return out;
}

Result<void> HistoryTables::set_record(UserId user, core::Seq seq, std::string_view record) {
  const Param p[] = {record, user.value(), seq.value()};
  return run("UPDATE history_log SET record = ? WHERE user_id = ? AND seq = ?", p);
}

Result<void> HistoryTables::raise_watermark(UserId user, ThreadId thread, UserId reader, MessageId up_to) {
  const Param p[] = {user.value(), thread.value(), reader.value(), up_to.value()};
  return run("INSERT INTO history_watermarks(user_id, thread_id, reader_id, up_to) VALUES(?, ?, ?, ?) "
             "ON DUPLICATE KEY UPDATE up_to = GREATEST(up_to, VALUES(up_to))", p);
}

}  // namespace iris::store::mariadb::detail
