#include "store/sqlite/detail/history_writes.h"

#include "store/detail/record_codec.h"
#include "store/errc.h"

namespace iris::store::detail {

using core::MessageId;
using core::ThreadId;
using core::UserId;

HistoryWrites::HistoryWrites(const sqlite::Database& db) {
  auto prep = [&](sqlite::Statement& s, const char* sql) {
    s = db.prepare(sql);
    return s.ok();
  };
  ok_ = prep(begin_, "BEGIN IMMEDIATE") && prep(commit_, "COMMIT") && prep(rollback_, "ROLLBACK") &&
        prep(get_position_, "SELECT epoch, seq FROM position WHERE user=?1") &&
        prep(put_position_, "INSERT OR REPLACE INTO position(user, epoch, seq) VALUES(?1, ?2, ?3)") &&
        prep(clear_log_, "DELETE FROM log WHERE user=?1") &&
        prep(clear_threads_, "DELETE FROM threads WHERE user=?1") &&
        prep(clear_watermarks_, "DELETE FROM watermarks WHERE user=?1") &&
        prep(ensure_thread_,
             "INSERT OR IGNORE INTO threads(user, thread, name, participants) VALUES(?1, ?2, '', x'')") &&
        prep(get_participants_, "SELECT participants FROM threads WHERE user=?1 AND thread=?2") &&
        prep(set_name_, "UPDATE threads SET name=?3 WHERE user=?1 AND thread=?2") &&
        prep(set_participants_, "UPDATE threads SET participants=?3 WHERE user=?1 AND thread=?2") &&
        prep(get_body_,
             "SELECT sender, time, client_hi, client_lo, text, reply_to, attachments FROM bodies "
             "WHERE thread=?1 AND message=?2") &&
        prep(put_body_,
             "INSERT INTO bodies(thread, message, sender, time, client_hi, client_lo, text, reply_to, "
             "attachments) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)") &&
        prep(put_log_,
             "INSERT INTO log(user, seq, thread, message, shown, record) VALUES(?1, ?2, ?3, ?4, ?5, ?6)") &&
        prep(hide_,
             "UPDATE log SET shown=NULL, edit=NULL, edit_count=0, reactions=NULL "
             "WHERE user=?1 AND thread=?2 AND message=?3 AND shown IS NOT NULL") &&
        prep(edit_,
             "UPDATE log SET edit=?4, edit_count=?5 "
             "WHERE user=?1 AND thread=?2 AND message=?3 AND shown IS NOT NULL") &&
        prep(folds_,
             "SELECT edit_count, reactions FROM log "
             "WHERE user=?1 AND thread=?2 AND message=?3 AND shown IS NOT NULL") &&
        prep(reactions_,
             "UPDATE log SET reactions=?4 WHERE user=?1 AND thread=?2 AND message=?3 AND shown IS NOT NULL") &&
        prep(strip_body_, "UPDATE bodies SET text='', attachments=NULL WHERE thread=?1 AND message=?2") &&
        // Served by the log_message index.
        prep(message_records_,
             "SELECT seq, record FROM log WHERE user=?1 AND thread=?2 AND message=?3 AND shown IS NULL "
             "AND thread IS NOT NULL AND record IS NOT NULL") &&
        prep(set_record_, "UPDATE log SET record=?3 WHERE user=?1 AND seq=?2") &&
        // (x < 0, x) orders the stored ids as u64 (sqlite/database.h).
        prep(put_watermark_,
             "INSERT INTO watermarks(user, thread, reader, up_to) VALUES(?1, ?2, ?3, ?4) "
             "ON CONFLICT(user, thread, reader) DO UPDATE SET up_to = CASE "
             "WHEN (excluded.up_to < 0, excluded.up_to) > (up_to < 0, up_to) THEN excluded.up_to "
             "ELSE up_to END");
}

Result<void> HistoryWrites::begin() {
  applier_.forget();  // a rolled-back transaction may have stored what it remembers
  return begin_.run();
}

Result<void> HistoryWrites::commit() { return commit_.run(); }

void HistoryWrites::rollback() {
  applier_.forget();
  (void)rollback_.run();
}

Result<std::optional<HistoryPosition>> HistoryWrites::get_position(UserId user) {
  get_position_.bind_u64(1, user.value());
  auto row = get_position_.step();
  if (!row) return fail(row.error());
  std::optional<HistoryPosition> pos;
  if (*row) pos = HistoryPosition{core::Epoch{get_position_.u64(0)}, core::Seq{get_position_.u64(1)}};
  get_position_.reset();
  return pos;
}

Result<void> HistoryWrites::put_position(UserId user, const HistoryPosition& position) {
  return put_position_.bind_u64(1, user.value())
      .bind_u64(2, position.epoch.value())
      .bind_u64(3, position.seq.value())
      .run();
}

Result<void> HistoryWrites::clear_user(UserId user) {
  for (auto* s : {&clear_log_, &clear_threads_, &clear_watermarks_}) {
    if (auto r = s->bind_u64(1, user.value()).run(); !r) return r;
  }
  return {};
}

Result<void> HistoryWrites::ensure_thread(UserId user, ThreadId thread) {
  return ensure_thread_.bind_u64(1, user.value()).bind_u64(2, thread.value()).run();
}

Result<void> HistoryWrites::set_name(UserId user, ThreadId thread, std::string_view name) {
  return set_name_.bind_u64(1, user.value()).bind_u64(2, thread.value()).bind(3, name).run();
}

Result<std::vector<UserId>> HistoryWrites::participants(UserId user, ThreadId thread) {
  get_participants_.bind_u64(1, user.value()).bind_u64(2, thread.value());
  auto row = get_participants_.step();
  if (!row) return fail(row.error());
  if (!*row) {
    get_participants_.reset();
    return fail(errc::io_error);  // ensure_thread made it: a vanished row is a broken store
  }
  auto ps = decode_participants(get_participants_.blob(0));
  get_participants_.reset();
  return ps;
}

Result<void> HistoryWrites::set_participants(UserId user, ThreadId thread, const std::vector<UserId>& users) {
  return set_participants_.bind_u64(1, user.value()).bind_u64(2, thread.value())
      .bind_blob(3, encode_participants(users)).run();
}

Result<std::optional<HistoryBody>> HistoryWrites::body(ThreadId thread, MessageId message) {
  get_body_.bind_u64(1, thread.value()).bind_u64(2, message.value());
  auto row = get_body_.step();
  if (!row) return fail(row.error());
  std::optional<HistoryBody> out;
  if (*row) {
    out = HistoryBody{thread, message, UserId{get_body_.u64(0)},
                      core::Timestamp{std::chrono::milliseconds{get_body_.i64(1)}},
                      core::ClientMsgId{get_body_.u64(2), get_body_.u64(3)}, get_body_.text(4),
                      std::nullopt, {}};
    if (!get_body_.is_null(5)) out->reply_to = MessageId{get_body_.u64(5)};
    if (!get_body_.is_null(6)) {
      auto list = decode_attachments(get_body_.blob(6));
      if (!list) {
        get_body_.reset();
        return fail(list.error());
      }
      out->attachments = std::move(*list);
    }
  }
  get_body_.reset();
  return out;
}

// One process writes an SQLite history, in one transaction at a time: a body body() did not
// find is not stored meanwhile.
Result<bool> HistoryWrites::put_body(const HistoryBody& b) {
  put_body_.bind_u64(1, b.thread.value()).bind_u64(2, b.message.value())
      .bind_u64(3, b.sender.value()).bind(4, b.time.time_since_epoch().count())
      .bind_u64(5, b.client.hi).bind_u64(6, b.client.lo).bind(7, b.text);
  if (b.reply_to) put_body_.bind_u64(8, b.reply_to->value());
  attachments_.clear();
  encode_attachments(b.attachments, attachments_);
  if (!attachments_.empty()) put_body_.bind_blob(9, attachments_);
  if (auto r = put_body_.run(); !r) return fail(r.error());
  return true;
}

Result<void> HistoryWrites::put_log(UserId user, core::Seq seq, const HistoryLogRow& row) {
  put_log_.bind_u64(1, user.value()).bind_u64(2, seq.value());
  if (row.thread) put_log_.bind_u64(3, row.thread->value());
  if (row.message) put_log_.bind_u64(4, row.message->value());
  if (row.shown) put_log_.bind(5, std::int64_t{*row.shown});
  if (row.record) put_log_.bind_blob(6, *row.record);
  return put_log_.run();
}

Result<void> HistoryWrites::hide(UserId user, ThreadId thread, MessageId message) {
  return hide_.bind_u64(1, user.value()).bind_u64(2, thread.value()).bind_u64(3, message.value()).run();
}

Result<std::optional<MessageFolds>> HistoryWrites::folds(UserId user, ThreadId thread, MessageId message) {
  folds_.bind_u64(1, user.value()).bind_u64(2, thread.value()).bind_u64(3, message.value());
  auto row = folds_.step();
  if (!row) return fail(row.error());
  std::optional<MessageFolds> out;
  if (*row) {
    out = MessageFolds{static_cast<std::uint32_t>(folds_.i64(0)), {}};
    if (!folds_.is_null(1)) {
      auto list = decode_reactions(folds_.blob(1));
      if (!list) {
        folds_.reset();
        return fail(list.error());
      }
      out->reactions = std::move(*list);
    }
  }
  folds_.reset();
  return out;
}

Result<void> HistoryWrites::set_edit(UserId user, ThreadId thread, MessageId message, core::Seq edit,
                                     std::uint32_t edit_count) {
  return edit_.bind_u64(1, user.value()).bind_u64(2, thread.value()).bind_u64(3, message.value())
      .bind_u64(4, edit.value()).bind(5, std::int64_t{edit_count}).run();
}

Result<void> HistoryWrites::set_reactions(UserId user, ThreadId thread, MessageId message,
                                          std::string_view reactions) {
  reactions_.bind_u64(1, user.value()).bind_u64(2, thread.value()).bind_u64(3, message.value());
  if (!reactions.empty()) reactions_.bind_blob(4, reactions);
  return reactions_.run();
}

Result<void> HistoryWrites::strip_body(ThreadId thread, MessageId message) {
  return strip_body_.bind_u64(1, thread.value()).bind_u64(2, message.value()).run();
}

Result<std::vector<std::pair<core::Seq, std::string>>> HistoryWrites::message_records(UserId user, ThreadId thread,
                                                                                     MessageId message) {
  std::vector<std::pair<core::Seq, std::string>> out;
  message_records_.bind_u64(1, user.value()).bind_u64(2, thread.value()).bind_u64(3, message.value());
  for (;;) {
    auto row = message_records_.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.emplace_back(core::Seq{message_records_.u64(0)}, std::string(message_records_.blob(1)));
  }
  message_records_.reset();
  return out;
}

Result<void> HistoryWrites::set_record(UserId user, core::Seq seq, std::string_view record) {
  return set_record_.bind_u64(1, user.value()).bind_u64(2, seq.value()).bind_blob(3, record).run();
}

Result<void> HistoryWrites::raise_watermark(UserId user, ThreadId thread, UserId reader, MessageId up_to) {
  return put_watermark_.bind_u64(1, user.value()).bind_u64(2, thread.value())
      .bind_u64(3, reader.value()).bind_u64(4, up_to.value()).run();
}

}  // namespace iris::store::detail
