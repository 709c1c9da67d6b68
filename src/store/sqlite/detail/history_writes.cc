#include "store/sqlite/detail/history_writes.h"

#include <algorithm>

#include "store/detail/record_codec.h"
#include "store/errc.h"

namespace iris::store::detail {

using core::MessageId;
using core::ThreadId;
using core::UserId;

namespace {

std::int64_t ms(core::Timestamp t) { return t.time_since_epoch().count(); }

}  // namespace

std::string encode_participants(const std::vector<UserId>& users) {
  std::string out;
  out.reserve(users.size() * 8);
  for (auto u : users) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u.value() >> shift));
  }
  return out;
}

std::vector<UserId> decode_participants(std::string_view bytes) {
  std::vector<UserId> out;
  out.reserve(bytes.size() / 8);
  for (std::size_t i = 0; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t v = 0;
    for (std::size_t j = 0; j < 8; ++j) v = (v << 8) | static_cast<unsigned char>(bytes[i + j]);
    out.emplace_back(v);
  }
  return out;
}

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
             "SELECT sender, time, client_hi, client_lo, text, reply_to FROM bodies "
             "WHERE thread=?1 AND message=?2") &&
        prep(put_body_,
             "INSERT INTO bodies(thread, message, sender, time, client_hi, client_lo, text, reply_to) "
             "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)") &&
        prep(put_log_,
             "INSERT INTO log(user, seq, thread, message, shown, record) VALUES(?1, ?2, ?3, ?4, ?5, ?6)") &&
        // A message leaves the user's view (deleted, or replaced by a new create of its id).
        prep(hide_,
             "UPDATE log SET shown=NULL, edit=NULL "
             "WHERE user=?1 AND thread=?2 AND message=?3 AND shown IS NOT NULL") &&
        // The view's text becomes that of the edit logged at seq ?4.
        prep(edit_,
             "UPDATE log SET edit=?4 WHERE user=?1 AND thread=?2 AND message=?3 AND shown IS NOT NULL") &&
        // A watermark only rises, in u64 order: (x < 0, x) orders the stored ids as u64.
        prep(put_watermark_,
             "INSERT INTO watermarks(user, thread, reader, up_to) VALUES(?1, ?2, ?3, ?4) "
             "ON CONFLICT(user, thread, reader) DO UPDATE SET up_to = CASE "
             "WHEN (excluded.up_to < 0, excluded.up_to) > (up_to < 0, up_to) THEN excluded.up_to "
             "ELSE up_to END");
}

Result<void> HistoryWrites::begin() {
  last_body_.reset();  // a rolled-back transaction may have stored it
  return begin_.run();
}

Result<void> HistoryWrites::commit() { return commit_.run(); }

void HistoryWrites::rollback() {
  last_body_.reset();
  (void)rollback_.run();
}

Result<void> HistoryWrites::put_position(UserId user, const HistoryPosition& position) {
  return put_position_.bind_u64(1, user.value())
      .bind_u64(2, position.epoch.value())
      .bind_u64(3, position.seq.value())
      .run();
}

Result<void> HistoryWrites::apply(const HistoryBatch& b) {
  HistoryPosition pos;
  get_position_.bind_u64(1, b.user.value());
  auto row = get_position_.step();
  if (!row) return fail(row.error());
  if (*row) pos = {core::Epoch{get_position_.u64(0)}, core::Seq{get_position_.u64(1)}};
  get_position_.reset();
  if (pos.epoch != b.epoch) {
    for (auto* s : {&clear_log_, &clear_threads_, &clear_watermarks_}) {
      if (auto r = s->bind_u64(1, b.user.value()).run(); !r) return r;
    }
    pos = {b.epoch, core::Seq{0}};
  }
  std::optional<ThreadId> known_thread;  // consecutive updates mostly share a thread
  for (const auto& u : b.updates) {
    if (u.seq <= pos.seq) continue;
    if (auto r = apply_update(b.user, u, known_thread); !r) return r;
    pos.seq = u.seq;
  }
  return put_position(b.user, pos);
}

Result<bool> HistoryWrites::shared_body(const Body& body) {
  if (last_body_ && last_body_->thread == body.thread && last_body_->message == body.message) {
    return *last_body_ == body;
  }
  get_body_.bind_u64(1, body.thread.value()).bind_u64(2, body.message.value());
  auto row = get_body_.step();
  if (!row) return fail(row.error());
  if (*row) {
    Body stored{body.thread, body.message, UserId{get_body_.u64(0)},
                core::Timestamp{std::chrono::milliseconds{get_body_.i64(1)}},
                core::ClientMsgId{get_body_.u64(2), get_body_.u64(3)}, get_body_.text(4),
                std::nullopt};
    if (!get_body_.is_null(5)) stored.reply_to = MessageId{get_body_.u64(5)};
    get_body_.reset();
    last_body_ = std::move(stored);
    return *last_body_ == body;
  }
  get_body_.reset();
  put_body_.bind_u64(1, body.thread.value()).bind_u64(2, body.message.value())
      .bind_u64(3, body.sender.value()).bind(4, ms(body.time))
      .bind_u64(5, body.client.hi).bind_u64(6, body.client.lo).bind(7, body.text);
  if (body.reply_to) put_body_.bind_u64(8, body.reply_to->value());
  if (auto r = put_body_.run(); !r) return fail(r.error());
  last_body_ = body;
  return true;
}

Result<void> HistoryWrites::set_participants(UserId user, ThreadId thread,
                                             const core::ParticipantsChanged& change) {
  get_participants_.bind_u64(1, user.value()).bind_u64(2, thread.value());
  auto row = get_participants_.step();
  if (!row) return fail(row.error());
  if (!*row) {
    get_participants_.reset();
    return fail(errc::io_error);  // ensure_thread made it: a vanished row is a broken store
  }
  auto ps = decode_participants(get_participants_.blob(0));
  get_participants_.reset();
  for (auto p : change.added) {
    if (std::find(ps.begin(), ps.end(), p) == ps.end()) ps.push_back(p);
  }
  for (auto p : change.removed) std::erase(ps, p);
  return set_participants_.bind_u64(1, user.value()).bind_u64(2, thread.value())
      .bind_blob(3, encode_participants(ps)).run();
}

// The materialized-inbox rules of history_store.h (core::apply_to_thread), as SQL.
// `known_thread` is the thread whose row this transaction already made sure of.
Result<void> HistoryWrites::apply_update(UserId user, const core::Update& u,
                                         std::optional<ThreadId>& known_thread) {
  const std::uint64_t uid = user.value();
  const std::uint64_t tid = u.thread.value();
  if (known_thread != u.thread) {
    if (auto r = ensure_thread_.bind_u64(1, uid).bind_u64(2, tid).run(); !r) return r;
    known_thread = u.thread;
  }
  // The log row: every update but a shared MessageCreated carries its record.
  put_log_.bind_u64(1, uid).bind_u64(2, u.seq.value());
  auto log_with_record = [&]() {
    record_.clear();
    encode_update(u, record_);
    return put_log_.bind_blob(6, record_).run();
  };
  return std::visit(
      [&](const auto& b) -> Result<void> {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, core::MessageCreated>) {
          const std::uint64_t mid = b.message.value();
          if (auto r = hide_.bind_u64(1, uid).bind_u64(2, tid).bind_u64(3, mid).run(); !r) {
            put_log_.reset();
            return r;
          }
          auto shared = shared_body(Body{u.thread, b.message, u.actor, u.time, b.client_id, b.text, b.reply_to});
          if (!shared) {
            put_log_.reset();
            return fail(shared.error());
          }
          put_log_.bind_u64(3, tid).bind_u64(4, mid).bind(5, std::int64_t{u.actor == user ? 1 : 0});
          if (*shared) return put_log_.run();
          return log_with_record();
        } else if constexpr (std::is_same_v<T, core::MessageEdited>) {
          if (auto r = log_with_record(); !r) return r;
          return edit_.bind_u64(1, uid).bind_u64(2, tid).bind_u64(3, b.message.value())
              .bind_u64(4, u.seq.value()).run();
        } else if constexpr (std::is_same_v<T, core::MessageDeleted>) {
          if (auto r = log_with_record(); !r) return r;
          return hide_.bind_u64(1, uid).bind_u64(2, tid).bind_u64(3, b.message.value()).run();
        } else if constexpr (std::is_same_v<T, core::ReadReceipt>) {
          if (auto r = log_with_record(); !r) return r;
          return put_watermark_.bind_u64(1, uid).bind_u64(2, tid).bind_u64(3, b.reader.value())
              .bind_u64(4, b.up_to.value()).run();
        } else if constexpr (std::is_same_v<T, core::ThreadCreated>) {
          if (auto r = log_with_record(); !r) return r;
          if (auto r = set_name_.bind_u64(1, uid).bind_u64(2, tid).bind(3, b.name).run(); !r) return r;
          return set_participants_.bind_u64(1, uid).bind_u64(2, tid)
              .bind_blob(3, encode_participants(b.participants)).run();
        } else if constexpr (std::is_same_v<T, core::ThreadRenamed>) {
          if (auto r = log_with_record(); !r) return r;
          return set_name_.bind_u64(1, uid).bind_u64(2, tid).bind(3, b.name).run();
        } else {
          static_assert(std::is_same_v<T, core::ParticipantsChanged>);
          if (auto r = log_with_record(); !r) return r;
          return set_participants(user, u.thread, b);
        }
      },
      u.body);
}

}  // namespace iris::store::detail
