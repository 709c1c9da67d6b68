#include "store/mariadb/mariadb_history_store.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>

#include "base/log.h"
#include "store/detail/history_rules.h"
#include "store/detail/record_codec.h"
#include "store/errc.h"
#include "store/mariadb/connection_pool.h"
#include "store/mariadb/detail/history_tables.h"

namespace iris::store {
namespace {

using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::UserId;
using mariadb::Connection;
using mariadb::Param;
using mariadb::Rows;
using mariadb::detail::cell_i64;
using mariadb::detail::cell_u64;

std::uint64_t clamp(std::size_t v) { return std::min<std::uint64_t>(v, std::numeric_limits<std::int64_t>::max()); }

// Ends a transaction that did not commit: rolled back, or dropped with its broken connection
// (the server rolls back a transaction whose connection closes).
struct RollbackUnlessCommitted {
  Connection& c;
  bool committed = false;
  ~RollbackUnlessCommitted() {
    if (!committed && !c.broken()) (void)c.execute("ROLLBACK");
  }
};

class MariaDbHistoryStore final : public HistoryStore {
 public:
  explicit MariaDbHistoryStore(const MariaDbOptions& options) : pool_(options) {}

  // Another server may be writing some of the same users (an owner handing them over) and
  // the bodies of the same threads (their other members' owners): see HistoryTables. Read
  // committed, so that what this transaction reads after waiting for one of those locks is
  // what the other writer committed, not a snapshot from before. (Two writers that lock two
  // users' positions in opposite orders deadlock; the server breaks it, one transaction
  // fails and the history writer retries it.)
  Result<void> apply(std::span<const HistoryBatch> batches) override {
    return with_schema([&](Connection& c) -> Result<void> {
      if (auto r = c.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"); !r) return r;
      if (auto r = c.execute("START TRANSACTION"); !r) return r;
      RollbackUnlessCommitted txn{c};
      mariadb::detail::HistoryTables tables(c);
      store::detail::HistoryApplier applier(tables);
      for (const auto& b : batches) {
        if (auto r = applier.apply(b); !r) return r;
      }
      if (auto r = c.execute("COMMIT"); !r) return r;
      txn.committed = true;
      return {};
    });
  }

  Result<HistoryPosition> position(UserId user) const override {
    return with_schema([&](Connection& c) -> Result<HistoryPosition> { return read_position(c, user); });
  }

  Result<HistoryInbox> inbox(UserId user, std::size_t latest) const override {
    return with_schema([&](Connection& c) -> Result<HistoryInbox> {
      // One snapshot: the inbox is as of the position it names.
      if (auto r = c.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"); !r) return fail(r.error());
      RollbackUnlessCommitted txn{c};
      HistoryInbox out;
      auto pos = read_position(c, user);
      if (!pos) return fail(pos.error());
      out.position = *pos;
      const Param p[] = {user.value()};
      auto threads = c.query("SELECT thread_id, name, participants FROM history_threads WHERE user_id = ? "
                              "ORDER BY thread_id", p);
      if (!threads) return fail(threads.error());
      for (std::size_t i = 0; i < threads->size(); ++i) {
        auto id = threads->u64(i, 0);
        if (!id) return fail(errc::corrupt_record);
        out.threads.push_back(HistoryThread{ThreadId{*id}, std::string(threads->bytes(i, 1)),
                                            store::detail::decode_participants(threads->bytes(i, 2)), {}, 0, {}});
      }
      for (auto& t : out.threads) {
        auto msgs = read_messages(c, user, t.thread, std::nullopt, latest);
        if (!msgs) return fail(msgs.error());
        t.latest = std::move(*msgs);
        const Param q[] = {user.value(), t.thread.value()};
        auto marks = c.query("SELECT reader_id, up_to FROM history_watermarks WHERE user_id = ? AND "
                              "thread_id = ? ORDER BY reader_id", q);
        if (!marks) return fail(marks.error());
        std::optional<MessageId> read_up_to;
        for (std::size_t i = 0; i < marks->size(); ++i) {
          auto reader = marks->u64(i, 0);
          auto up_to = marks->u64(i, 1);
          if (!reader || !up_to) return fail(errc::corrupt_record);
          t.watermarks.emplace_back(UserId{*reader}, MessageId{*up_to});
          if (UserId{*reader} == user) read_up_to = MessageId{*up_to};
        }
        // shown = 0: a visible message from someone else.
        auto unread = read_up_to
            ? c.query("SELECT count(*) FROM history_log WHERE user_id = ? AND thread_id = ? AND shown = 0 "
                       "AND message_id > ?",
                    std::vector<Param>{user.value(), t.thread.value(), read_up_to->value()})
            : c.query("SELECT count(*) FROM history_log WHERE user_id = ? AND thread_id = ? AND shown = 0", q);
        if (!unread || unread->empty()) return fail(unread ? errc::corrupt_record : unread.error());
        auto n = unread->u64(0, 0);
        if (!n) return fail(n.error());
        t.unread_count = *n;
      }
      if (auto r = c.execute("COMMIT"); !r) return fail(r.error());
      txn.committed = true;
      return out;
    });
  }

  Result<std::vector<HistoryMessage>> messages(UserId user, ThreadId thread,
                                               std::optional<MessageId> before,
                                               std::size_t limit) const override {
    return with_schema([&](Connection& c) { return read_messages(c, user, thread, before, limit); });
  }

  Result<std::vector<core::Update>> updates(UserId user, Seq from, std::size_t max_count) const override {
    return with_schema([&](Connection& c) -> Result<std::vector<core::Update>> {
      const Param p[] = {user.value(), from.value(), clamp(max_count)};
      auto rows = c.query(
                        "SELECT l.seq, l.record, l.thread_id, l.message_id, b.sender_id, b.sent_ms, "
                        "b.client_hi, b.client_lo, b.body, b.reply_to, b.attachments FROM history_log l "
                        "LEFT JOIN history_bodies b ON l.record IS NULL AND b.thread_id = l.thread_id AND "
                        "b.message_id = l.message_id "
                        "WHERE l.user_id = ? AND l.seq >= ? ORDER BY l.seq LIMIT ?", p);
      if (!rows) return fail(rows.error());
      std::vector<core::Update> out;
      for (std::size_t i = 0; i < rows->size(); ++i) {
        auto seq = rows->u64(i, 0);
        if (!seq) return fail(errc::corrupt_record);
        if (rows->at(i, 1)) {
          auto u = store::detail::decode_update(rows->bytes(i, 1), Seq{*seq});
          if (!u) return corrupt(user, *seq);
          out.push_back(std::move(*u));
          continue;
        }
        auto thread = rows->u64(i, 2);
        auto message = rows->u64(i, 3);
        auto sender = rows->u64(i, 4);  // NULL: the shared body is missing
        auto ms = cell_i64(*rows, i, 5);
        auto hi = rows->u64(i, 6);
        auto lo = rows->u64(i, 7);
        auto reply = cell_u64(*rows, i, 9);
        if (!thread || !message || !sender || !ms || !hi || !lo || !reply) return corrupt(user, *seq);
        core::MessageCreated created{MessageId{*message}, core::ClientMsgId{*hi, *lo},
                                     std::string(rows->bytes(i, 8)), std::nullopt};
        if (*reply) created.reply_to = MessageId{**reply};
        if (rows->at(i, 10)) {
          auto list = store::detail::decode_attachments(rows->bytes(i, 10));
          if (!list) return corrupt(user, *seq);
          created.attachments = std::move(*list);
        }
        out.push_back(core::Update{Seq{*seq}, core::Timestamp{std::chrono::milliseconds{*ms}}, ThreadId{*thread},
                                   UserId{*sender}, std::move(created)});
      }
      return out;
    });
  }

  void set_unavailable(bool unavailable) override { unavailable_ = unavailable; }

 private:
  // Runs fn on a pooled connection to the writable server, the tables made sure of first.
  template <class F>
  auto with_schema(F&& fn) const -> std::invoke_result_t<F, Connection&> {
    if (unavailable_) return fail(errc::unavailable);
    return pool_.with_connection([&](Connection& c) -> std::invoke_result_t<F, Connection&> {
      if (!schema_ready_) {
        std::lock_guard lock(schema_mu_);
        if (!schema_ready_) {
          if (auto r = mariadb::detail::prepare_history_schema(c); !r) return fail(r.error());
          schema_ready_ = true;
        }
      }
      return fn(c);
    });
  }

  static tl::unexpected<std::error_code> corrupt(UserId user, std::uint64_t seq) {
    IRIS_LOG(error, "history", "corrupt history row of user {} at seq {}", user.value(), seq);
    return fail(errc::corrupt_record);
  }

  static Result<HistoryPosition> read_position(Connection& c, UserId user) {
    const Param p[] = {user.value()};
    auto rows = c.query("SELECT epoch, seq FROM history_position WHERE user_id = ?", p);
    if (!rows) return fail(rows.error());
    if (rows->empty()) return HistoryPosition{};
    auto epoch = rows->u64(0, 0);
    auto seq = rows->u64(0, 1);
    if (!epoch || !seq) return fail(errc::corrupt_record);
    return HistoryPosition{core::Epoch{*epoch}, Seq{*seq}};
  }

  // The user's visible messages of `thread` below `before`, the newest `limit`, oldest first:
  // each with its thread's body (record NULL) or its own record, and the latest edit's text.
  static Result<std::vector<HistoryMessage>> read_messages(Connection& c, UserId user, ThreadId thread,
                                                           std::optional<MessageId> before, std::size_t limit) {
    static constexpr const char* kSelect =
        "SELECT l.message_id, l.seq, l.record, b.sender_id, b.sent_ms, b.body, b.reply_to, e.record, "
        "b.attachments, l.edit_count, l.reactions "
        "FROM history_log l "
        "LEFT JOIN history_bodies b ON l.record IS NULL AND b.thread_id = l.thread_id AND "
        "b.message_id = l.message_id "
        "LEFT JOIN history_log e ON l.edit_seq IS NOT NULL AND e.user_id = l.user_id AND e.seq = l.edit_seq "
        "WHERE l.user_id = ? AND l.thread_id = ? AND l.shown IS NOT NULL ";
    static const std::string kLatest = std::string(kSelect) + "ORDER BY l.message_id DESC LIMIT ?";
    static const std::string kOlder =
        std::string(kSelect) + "AND l.message_id < ? ORDER BY l.message_id DESC LIMIT ?";
    auto rows = before ? c.query(kOlder,
                               std::vector<Param>{user.value(), thread.value(), before->value(), clamp(limit)})
                       : c.query(kLatest, std::vector<Param>{user.value(), thread.value(), clamp(limit)});
    if (!rows) return fail(rows.error());
    std::vector<HistoryMessage> out;
    for (std::size_t i = rows->size(); i-- > 0;) {
      auto id = rows->u64(i, 0);
      auto seq = rows->u64(i, 1);
      if (!id || !seq) return fail(errc::corrupt_record);
      HistoryMessage m;
      m.message = MessageId{*id};
      if (!rows->at(i, 2)) {
        auto sender = rows->u64(i, 3);
        auto ms = cell_i64(*rows, i, 4);
        auto reply = cell_u64(*rows, i, 6);
        if (!sender || !ms || !reply) return corrupt(user, *seq);
        m.sender = UserId{*sender};
        m.time = core::Timestamp{std::chrono::milliseconds{*ms}};
        m.text = std::string(rows->bytes(i, 5));
        if (*reply) m.reply_to = MessageId{**reply};
        if (rows->at(i, 8)) {
          auto list = store::detail::decode_attachments(rows->bytes(i, 8));
          if (!list) return corrupt(user, *seq);
          m.attachments = std::move(*list);
        }
      } else {
        auto u = store::detail::decode_update(rows->bytes(i, 2), Seq{*seq});
        const auto* created = u ? std::get_if<core::MessageCreated>(&u->body) : nullptr;
        if (!created) return corrupt(user, *seq);
        m.sender = u->actor;
        m.time = u->time;
        m.text = created->text;
        m.reply_to = created->reply_to;
        m.attachments = created->attachments;
      }
      auto count = rows->u64(i, 9);
      if (!count) return corrupt(user, *seq);
      m.edit_count = static_cast<std::uint32_t>(*count);
      if (rows->at(i, 10)) {
        auto list = store::detail::decode_reactions(rows->bytes(i, 10));
        if (!list) return corrupt(user, *seq);
        m.reactions = std::move(*list);
      }
      if (rows->at(i, 7)) {
        auto e = store::detail::decode_update(rows->bytes(i, 7), Seq{0});
        const auto* edited = e ? std::get_if<core::MessageEdited>(&e->body) : nullptr;
        if (!edited) return corrupt(user, *seq);
        m.text = edited->text;
      }
      out.push_back(std::move(m));
    }
    return out;
  }

  mutable mariadb::ConnectionPool pool_;
  std::atomic<bool> unavailable_{false};
  mutable std::mutex schema_mu_;
  mutable std::atomic<bool> schema_ready_{false};  // set once under schema_mu_
};

}  // namespace

std::unique_ptr<HistoryStore> open_mariadb_history_store(const MariaDbOptions& options) {
  return std::make_unique<MariaDbHistoryStore>(options);
}

}  // namespace iris::store
