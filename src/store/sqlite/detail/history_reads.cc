#include "store/sqlite/detail/history_reads.h"

#include <algorithm>
#include <limits>

#include "base/log.h"
#include "store/detail/record_codec.h"
#include "store/errc.h"
#include "store/detail/history_rules.h"

namespace iris::store::detail {

using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::UserId;

namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// An inclusive range of stored (signed) ids.
struct Range {
  std::int64_t lo, hi;
};

// The stored ranges of the ids below `before` (all ids if none), in descending u64 order.
std::vector<Range> below(std::optional<MessageId> before) {
  if (!before) return {{kMin, -1}, {0, kMax}};
  const auto b = static_cast<std::int64_t>(before->value());
  if (b == 0 || b == kMin) return b == 0 ? std::vector<Range>{} : std::vector<Range>{{0, kMax}};
  if (b < 0) return {{kMin, b - 1}, {0, kMax}};
  return {{0, b - 1}};
}

// The stored ranges of the ids above `after` (all ids if none).
std::vector<Range> above(std::optional<MessageId> after) {
  if (!after) return {{kMin, kMax}};
  const auto a = static_cast<std::int64_t>(after->value());
  std::vector<Range> out;
  if (a >= 0) {
    if (a < kMax) out.push_back({a + 1, kMax});
    out.push_back({kMin, -1});
  } else if (a < -1) {
    out.push_back({a + 1, -1});
  }
  return out;
}

std::int64_t clamp(std::uint64_t v) {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(v, static_cast<std::uint64_t>(kMax)));
}

core::Timestamp from_ms(std::int64_t v) { return core::Timestamp{std::chrono::milliseconds{v}}; }

// Ends a read transaction on every path.
struct ReadTransaction {
  sqlite::Statement& end;
  ~ReadTransaction() { (void)end.run(); }
};

}  // namespace

HistoryReads::HistoryReads(const sqlite::Database& db) {
  auto prep = [&](sqlite::Statement& s, const char* sql) {
    s = db.prepare(sql);
    return s.ok();
  };
  // view_: a range of one user's visible messages of a thread, newest first, with the body
  // shared by the thread (record NULL) or the user's own record, and the latest edit's record.
  ok_ = prep(begin_, "BEGIN") && prep(end_, "COMMIT") &&
        prep(position_, "SELECT epoch, seq FROM position WHERE user=?1") &&
        prep(threads_, "SELECT thread, name, participants FROM threads WHERE user=?1") &&
        prep(view_,
             "SELECT l.message, l.seq, l.record, b.sender, b.time, b.text, b.reply_to, e.record, "
             "b.attachments, l.edit_count, l.reactions "
             "FROM log l "
             "LEFT JOIN bodies b ON l.record IS NULL AND b.thread=l.thread AND b.message=l.message "
             "LEFT JOIN log e ON l.edit IS NOT NULL AND e.user=l.user AND e.seq=l.edit "
             "WHERE l.user=?1 AND l.thread=?2 AND l.shown IS NOT NULL AND l.message>=?3 AND "
             "l.message<=?4 ORDER BY l.message DESC LIMIT ?5") &&
        prep(watermarks_, "SELECT reader, up_to FROM watermarks WHERE user=?1 AND thread=?2") &&
        // shown=0: a visible message from someone else.
        prep(count_,
             "SELECT count(*) FROM log WHERE user=?1 AND thread=?2 AND shown=0 AND message>=?3 "
             "AND message<=?4") &&
        prep(updates_,
             "SELECT l.seq, l.record, l.thread, l.message, b.sender, b.time, b.client_hi, "
             "b.client_lo, b.text, b.reply_to, b.attachments FROM log l "
             "LEFT JOIN bodies b ON l.record IS NULL AND b.thread=l.thread AND b.message=l.message "
             "WHERE l.user=?1 AND l.seq>=?2 ORDER BY l.seq LIMIT ?3");
}

Result<HistoryPosition> HistoryReads::position(UserId user) {
  position_.bind_u64(1, user.value());
  auto row = position_.step();
  if (!row) return fail(errc::io_error);
  HistoryPosition pos;
  if (*row) pos = {core::Epoch{position_.u64(0)}, Seq{position_.u64(1)}};
  position_.reset();
  return pos;
}

Result<HistoryInbox> HistoryReads::inbox(UserId user, std::size_t latest) {
  if (!begin_.run()) return fail(errc::io_error);
  ReadTransaction txn{end_};
  HistoryInbox out;
  auto pos = position(user);
  if (!pos) return fail(pos.error());
  out.position = *pos;
  threads_.bind_u64(1, user.value());
  for (;;) {
    auto row = threads_.step();
    if (!row) return fail(errc::io_error);
    if (!*row) break;
    out.threads.push_back(HistoryThread{ThreadId{threads_.u64(0)}, threads_.text(1),
                                        decode_participants(threads_.blob(2)), {}, 0, {}});
  }
  threads_.reset();
  std::sort(out.threads.begin(), out.threads.end(),
            [](const auto& a, const auto& b) { return a.thread < b.thread; });
  for (auto& t : out.threads) {
    auto msgs = messages(user, t.thread, std::nullopt, latest);
    if (!msgs) return fail(msgs.error());
    t.latest = std::move(*msgs);
    watermarks_.bind_u64(1, user.value()).bind_u64(2, t.thread.value());
    for (;;) {
      auto row = watermarks_.step();
      if (!row) return fail(errc::io_error);
      if (!*row) break;
      t.watermarks.emplace_back(UserId{watermarks_.u64(0)}, MessageId{watermarks_.u64(1)});
    }
    watermarks_.reset();
    std::sort(t.watermarks.begin(), t.watermarks.end());
    std::optional<MessageId> read_up_to;
    for (const auto& [reader, up_to] : t.watermarks) {
      if (reader == user) read_up_to = up_to;
    }
    auto n = unread(user, t.thread, read_up_to);
    if (!n) return fail(n.error());
    t.unread_count = *n;
  }
  return out;
}

Result<std::uint64_t> HistoryReads::unread(UserId user, ThreadId thread,
                                           std::optional<MessageId> read_up_to) {
  std::uint64_t n = 0;
  for (const auto& r : above(read_up_to)) {
    count_.bind_u64(1, user.value()).bind_u64(2, thread.value()).bind(3, r.lo).bind(4, r.hi);
    auto row = count_.step();
    if (!row || !*row) return fail(errc::io_error);
    n += static_cast<std::uint64_t>(count_.i64(0));
    count_.reset();
  }
  return n;
}

Result<std::vector<HistoryMessage>> HistoryReads::messages(UserId user, ThreadId thread,
                                                           std::optional<MessageId> before,
                                                           std::size_t limit) {
  std::vector<HistoryMessage> out;  // newest first until the end
  for (const auto& r : below(before)) {
    if (out.size() >= limit) break;
    view_.bind_u64(1, user.value()).bind_u64(2, thread.value()).bind(3, r.lo).bind(4, r.hi)
        .bind(5, clamp(limit - out.size()));
    for (;;) {
      auto row = view_.step();
      if (!row) return fail(errc::io_error);
      if (!*row) break;
      HistoryMessage m;
      m.message = MessageId{view_.u64(0)};
      if (view_.is_null(2)) {
        m.sender = UserId{view_.u64(3)};
        m.time = from_ms(view_.i64(4));
        m.text = view_.text(5);
        if (!view_.is_null(6)) m.reply_to = MessageId{view_.u64(6)};
        if (!view_.is_null(8)) {
          auto list = decode_attachments(view_.blob(8));
          if (!list) {
            const std::uint64_t seq = view_.u64(1);
            view_.reset();
            IRIS_LOG(error, "history", "corrupt attachments of user {}'s message at seq {}", user.value(), seq);
            return fail(errc::corrupt_record);
          }
          m.attachments = std::move(*list);
        }
      } else {
        auto u = decode_update(view_.blob(2), Seq{view_.u64(1)});
        const auto* created = u ? std::get_if<core::MessageCreated>(&u->body) : nullptr;
        if (!created) {
          const std::uint64_t seq = view_.u64(1);
          view_.reset();
          IRIS_LOG(error, "history", "corrupt message record of user {} at seq {}", user.value(), seq);
          return fail(errc::corrupt_record);
        }
        m.sender = u->actor;
        m.time = u->time;
        m.text = created->text;
        m.reply_to = created->reply_to;
        m.attachments = created->attachments;
      }
      m.edit_count = static_cast<std::uint32_t>(view_.i64(9));
      if (!view_.is_null(10)) {
        auto list = decode_reactions(view_.blob(10));
        if (!list) {
          const std::uint64_t seq = view_.u64(1);
          view_.reset();
          IRIS_LOG(error, "history", "corrupt reactions of user {}'s message at seq {}", user.value(), seq);
          return fail(errc::corrupt_record);
        }
        m.reactions = std::move(*list);
      }
      if (!view_.is_null(7)) {
        auto e = decode_update(view_.blob(7), Seq{0});
        const auto* edited = e ? std::get_if<core::MessageEdited>(&e->body) : nullptr;
        if (!edited) {
          view_.reset();
          IRIS_LOG(error, "history", "corrupt edit record of user {}", user.value());
          return fail(errc::corrupt_record);
        }
        m.text = edited->text;
      }
      out.push_back(std::move(m));
    }
    view_.reset();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Result<std::vector<core::Update>> HistoryReads::updates(UserId user, Seq from, std::size_t max_count) {
  std::vector<core::Update> out;
  updates_.bind_u64(1, user.value()).bind(2, clamp(from.value())).bind(3, clamp(max_count));
  for (;;) {
    auto row = updates_.step();
    if (!row) return fail(errc::io_error);
    if (!*row) break;
    const Seq seq{updates_.u64(0)};
    if (!updates_.is_null(1)) {
      auto u = decode_update(updates_.blob(1), seq);
      if (!u) {
        updates_.reset();
        IRIS_LOG(error, "history", "corrupt update record of user {} at seq {}", user.value(), seq.value());
        return fail(errc::corrupt_record);
      }
      out.push_back(std::move(*u));
      continue;
    }
    if (updates_.is_null(4)) {  // a shared body that is not there
      updates_.reset();
      IRIS_LOG(error, "history", "missing message body for user {} at seq {}", user.value(), seq.value());
      return fail(errc::corrupt_record);
    }
    core::MessageCreated created{MessageId{updates_.u64(3)},
                                 core::ClientMsgId{updates_.u64(6), updates_.u64(7)},
                                 updates_.text(8), std::nullopt};
    if (!updates_.is_null(9)) created.reply_to = MessageId{updates_.u64(9)};
    if (!updates_.is_null(10)) {
      auto list = decode_attachments(updates_.blob(10));
      if (!list) {
        updates_.reset();
        IRIS_LOG(error, "history", "corrupt attachments of user {} at seq {}", user.value(), seq.value());
        return fail(errc::corrupt_record);
      }
      created.attachments = std::move(*list);
    }
    out.push_back(core::Update{seq, from_ms(updates_.i64(5)), ThreadId{updates_.u64(2)},
                               UserId{updates_.u64(4)}, std::move(created)});
  }
  updates_.reset();
  return out;
}

}  // namespace iris::store::detail
