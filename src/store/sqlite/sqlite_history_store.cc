#include "store/sqlite/sqlite_history_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <limits>
#include <mutex>

#include <fmt/format.h>

#include "base/log.h"
#include "store/detail/record_codec.h"
#include "store/errc.h"

namespace iris::store {
namespace {

using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::UserId;

// Ids are u64 and SQLite integers i64: flipping the top bit maps u64 order onto i64 order,
// so ORDER BY and range conditions on message ids stay numeric (docs/STORAGE_FORMAT.md).
std::int64_t enc(std::uint64_t v) { return static_cast<std::int64_t>(v ^ (1ull << 63)); }
std::uint64_t dec(std::int64_t v) { return static_cast<std::uint64_t>(v) ^ (1ull << 63); }

constexpr int kSchemaVersion = 1;
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS position(
  user INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS updates(
  user INTEGER NOT NULL, seq INTEGER NOT NULL, record BLOB NOT NULL,
  PRIMARY KEY(user, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS threads(
  user INTEGER NOT NULL, thread INTEGER NOT NULL, name TEXT NOT NULL, participants BLOB NOT NULL,
  PRIMARY KEY(user, thread)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages(
  user INTEGER NOT NULL, thread INTEGER NOT NULL, message INTEGER NOT NULL,
  sender INTEGER NOT NULL, time INTEGER NOT NULL, text TEXT NOT NULL, reply_to INTEGER,
  PRIMARY KEY(user, thread, message)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS watermarks(
  user INTEGER NOT NULL, thread INTEGER NOT NULL, reader INTEGER NOT NULL, up_to INTEGER NOT NULL,
  PRIMARY KEY(user, thread, reader)) WITHOUT ROWID;
)sql";

// Participants as a blob: the ids in join order, 8 bytes big-endian each.
std::string encode_users(const std::vector<UserId>& users) {
  std::string out;
  out.reserve(users.size() * 8);
  for (auto u : users) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u.value() >> shift));
  }
  return out;
}
std::vector<UserId> decode_users(const void* data, int size) {
  std::vector<UserId> out;
  const auto* p = static_cast<const unsigned char*>(data);
  for (int i = 0; i + 8 <= size; i += 8) {
    std::uint64_t v = 0;
    for (int j = 0; j < 8; ++j) v = (v << 8) | p[i + j];
    out.push_back(UserId{v});
  }
  return out;
}

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, const char* sql) { ok_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) == SQLITE_OK; }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(Stmt&& o) noexcept {
    std::swap(s_, o.s_);
    std::swap(ok_, o.ok_);
    return *this;
  }
  bool ok() const { return ok_; }
  Stmt& bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); return *this; }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind_blob(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind_null(int i) { sqlite3_bind_null(s_, i); return *this; }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(s_); }
  // Runs to completion and resets; true on success.
  bool run() {
    const int rc = sqlite3_step(s_);
    sqlite3_reset(s_);
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
  }
  void reset() { sqlite3_reset(s_); }
  std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  bool null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, col)) : std::string();
  }
  std::string_view blob(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    return p ? std::string_view(static_cast<const char*>(p), sqlite3_column_bytes(s_, col)) : std::string_view();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  bool ok_ = false;
};

// One connection and its prepared statements.
struct Conn {
  sqlite3* db = nullptr;
  ~Conn() { sqlite3_close_v2(db); }
  bool exec(const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }
};

class SqliteHistoryStore final : public HistoryStore {
 public:
  explicit SqliteHistoryStore(const HistoryStoreOptions& options) : options_(options) {
    std::lock_guard w(write_mu_);
    std::lock_guard r(read_mu_);
    open_locked();
  }

  ~SqliteHistoryStore() override {
    std::lock_guard w(write_mu_);
    std::lock_guard r(read_mu_);
    close_locked();
  }

  Result<void> apply(std::span<const HistoryBatch> batches) override {
    if (unavailable_) return fail(errc::unavailable);
    std::lock_guard lock(write_mu_);
    if (!ensure_open_write()) return fail(errc::unavailable);
    W& w = *w_;
    if (!w.begin.run()) return write_failed("BEGIN");
    std::string record;
    for (const auto& b : batches) {
      HistoryPosition pos;
      w.get_position.bind(1, enc(b.user.value()));
      if (w.get_position.step() == SQLITE_ROW) {
        pos = {core::Epoch{static_cast<std::uint64_t>(w.get_position.i64(0))},
               Seq{static_cast<std::uint64_t>(w.get_position.i64(1))}};
      }
      w.get_position.reset();
      if (pos.epoch != b.epoch) {
        for (auto* s : {&w.clear_updates, &w.clear_threads, &w.clear_messages, &w.clear_watermarks}) {
          if (!s->bind(1, enc(b.user.value())).run()) return write_failed("clear user");
        }
        pos = {b.epoch, Seq{0}};
      }
      std::optional<ThreadId> known_thread;  // consecutive updates mostly share a thread
      for (const auto& u : b.updates) {
        if (u.seq <= pos.seq) continue;
        record.clear();
        detail::encode_update(u, record);
        if (!w.put_update.bind(1, enc(b.user.value())).bind(2, static_cast<std::int64_t>(u.seq.value()))
                 .bind_blob(3, record).run() ||
            !materialize(w, b.user, u, known_thread)) {
          return write_failed("apply update");
        }
        pos.seq = u.seq;
      }
      if (!w.put_position.bind(1, enc(b.user.value()))
               .bind(2, static_cast<std::int64_t>(pos.epoch.value()))
               .bind(3, static_cast<std::int64_t>(pos.seq.value()))
               .run()) {
        return write_failed("position");
      }
    }
    if (!w.commit.run()) return write_failed("COMMIT");
    return {};
  }

  Result<HistoryPosition> position(UserId user) const override {
    if (unavailable_) return fail(errc::unavailable);
    if (!ensure_open_read()) return fail(errc::unavailable);
    std::lock_guard lock(read_mu_);
    if (!r_) return fail(errc::unavailable);
    return read_position(*r_, user);
  }

  Result<HistoryInbox> inbox(UserId user, std::size_t latest) const override {
    if (unavailable_) return fail(errc::unavailable);
    if (!ensure_open_read()) return fail(errc::unavailable);
    std::lock_guard lock(read_mu_);
    if (!r_) return fail(errc::unavailable);
    R& r = *r_;
    // One read transaction: the inbox is consistent with the position it names.
    if (!r.begin.run()) return read_failed();
    struct End {
      R& r;
      ~End() { r.end.run(); }
    } end{r};
    HistoryInbox out;
    auto pos = read_position(r, user);
    if (!pos) return fail(pos.error());
    out.position = *pos;
    const std::int64_t u = enc(user.value());
    r.threads.bind(1, u);
    int rc;
    while ((rc = r.threads.step()) == SQLITE_ROW) {
      const auto participants = r.threads.blob(2);
      out.threads.push_back(HistoryThread{ThreadId{dec(r.threads.i64(0))}, r.threads.text(1),
                                          decode_users(participants.data(), static_cast<int>(participants.size())),
                                          {}, 0, {}});
    }
    r.threads.reset();
    if (rc != SQLITE_DONE) return read_failed();
    const std::int64_t limit = static_cast<std::int64_t>(
        std::min<std::size_t>(latest, std::numeric_limits<std::int64_t>::max()));
    for (auto& t : out.threads) {
      const std::int64_t th = enc(t.thread.value());
      auto msgs = read_messages(r, u, th, std::nullopt, limit);
      if (!msgs) return fail(msgs.error());
      t.latest = std::move(*msgs);
      r.watermarks.bind(1, u).bind(2, th);
      while ((rc = r.watermarks.step()) == SQLITE_ROW) {
        t.watermarks.emplace_back(UserId{dec(r.watermarks.i64(0))}, MessageId{dec(r.watermarks.i64(1))});
      }
      r.watermarks.reset();
      if (rc != SQLITE_DONE) return read_failed();
      r.unread.bind(1, u).bind(2, th);
      if (r.unread.step() != SQLITE_ROW) {
        r.unread.reset();
        return read_failed();
      }
      t.unread_count = static_cast<std::uint64_t>(r.unread.i64(0));
      r.unread.reset();
    }
    return out;
  }

  Result<std::vector<HistoryMessage>> messages(UserId user, ThreadId thread,
                                               std::optional<MessageId> before,
                                               std::size_t limit) const override {
    if (unavailable_) return fail(errc::unavailable);
    if (!ensure_open_read()) return fail(errc::unavailable);
    std::lock_guard lock(read_mu_);
    if (!r_) return fail(errc::unavailable);
    return read_messages(*r_, enc(user.value()), enc(thread.value()), before,
                         static_cast<std::int64_t>(std::min<std::size_t>(
                             limit, std::numeric_limits<std::int64_t>::max())));
  }

  Result<std::vector<core::Update>> updates(UserId user, Seq from,
                                            std::size_t max_count) const override {
    if (unavailable_) return fail(errc::unavailable);
    if (!ensure_open_read()) return fail(errc::unavailable);
    std::lock_guard lock(read_mu_);
    if (!r_) return fail(errc::unavailable);
    R& r = *r_;
    std::vector<core::Update> out;
    r.updates.bind(1, enc(user.value()))
        .bind(2, static_cast<std::int64_t>(std::min<std::uint64_t>(from.value(), std::numeric_limits<std::int64_t>::max())))
        .bind(3, static_cast<std::int64_t>(std::min<std::size_t>(max_count, std::numeric_limits<std::int64_t>::max())));
    int rc;
    while ((rc = r.updates.step()) == SQLITE_ROW) {
      auto u = detail::decode_update(r.updates.blob(1), Seq{static_cast<std::uint64_t>(r.updates.i64(0))});
      if (!u) {
        r.updates.reset();
        IRIS_LOG(error, "history", "corrupt update record of user {}", user.value());
        return fail(errc::corrupt_record);
      }
      out.push_back(std::move(*u));
    }
    r.updates.reset();
    if (rc != SQLITE_DONE) return read_failed();
    return out;
  }

  void set_unavailable(bool unavailable) override { unavailable_ = unavailable; }

 private:
  struct W : Conn {
    Stmt begin, commit, rollback, get_position, put_position, put_update, clear_updates,
        clear_threads, clear_messages, clear_watermarks, ensure_thread, get_thread, set_name,
        set_participants, put_message, edit_message, delete_message, put_watermark;
  };
  struct R : Conn {
    Stmt begin, end, position, threads, latest, older, watermarks, unread, updates;
  };

  // Requires: both mutexes held (constructor) or the one of the connection touched.
  void open_locked() const {
    last_open_ = std::chrono::steady_clock::now();
    std::error_code ec;
    std::filesystem::create_directories(options_.path, ec);
    if (ec) {
      IRIS_LOG(error, "history", "history store unavailable: cannot create {}: {}", options_.path, ec.message());
      return;
    }
    if (!open_write()) {
      w_.reset();
      return;
    }
    if (!open_read()) {
      w_.reset();
      r_.reset();
      return;
    }
    open_ = true;
    IRIS_LOG(info, "history", "history store open at {}", file());
  }
  void close_locked() const {
    open_ = false;
    w_.reset();
    r_.reset();
  }
  std::string file() const { return (std::filesystem::path(options_.path) / "history.sqlite3").string(); }

  bool open_conn(Conn& c, int flags) const {
    if (sqlite3_open_v2(file().c_str(), &c.db, flags, nullptr) != SQLITE_OK) {
      IRIS_LOG(error, "history", "history store unavailable: cannot open {}: {}", file(),
               c.db ? sqlite3_errmsg(c.db) : "out of memory");
      return false;
    }
    sqlite3_busy_timeout(c.db, 5000);
    return true;
  }

  bool open_write() const {
    w_ = std::make_unique<W>();
    W& w = *w_;
    if (!open_conn(w, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX)) return false;
    // A 64 MiB page cache keeps the B-tree interiors of a busy history in memory (the
    // default 2 MiB makes large batches read pages back); see docs/STORAGE_FORMAT.md.
    if (!w.exec("PRAGMA journal_mode=WAL") || !w.exec("PRAGMA synchronous=FULL") ||
        !w.exec("PRAGMA cache_size=-65536") ||
        !w.exec(kSchema)) {
      IRIS_LOG(error, "history", "history store unavailable: cannot set up {}: {}", file(), sqlite3_errmsg(w.db));
      return false;
    }
    {
      Stmt v(w.db, "PRAGMA user_version");
      const int version = v.ok() && v.step() == SQLITE_ROW ? static_cast<int>(v.i64(0)) : -1;
      if (version == 0) {
        w.exec(fmt::format("PRAGMA user_version={}", kSchemaVersion).c_str());
      } else if (version != kSchemaVersion) {
        IRIS_LOG(error, "history", "history store {} has schema version {}, this build reads {}",
                 file(), version, kSchemaVersion);
        return false;
      }
    }
    auto prep = [&](Stmt& s, const char* sql) {
      s = Stmt(w.db, sql);
      return s.ok();
    };
    return prep(w.begin, "BEGIN IMMEDIATE") && prep(w.commit, "COMMIT") &&
           prep(w.rollback, "ROLLBACK") &&
           prep(w.get_position, "SELECT epoch, seq FROM position WHERE user=?1") &&
           prep(w.put_position, "INSERT OR REPLACE INTO position(user, epoch, seq) VALUES(?1, ?2, ?3)") &&
           prep(w.put_update, "INSERT OR REPLACE INTO updates(user, seq, record) VALUES(?1, ?2, ?3)") &&
           prep(w.clear_updates, "DELETE FROM updates WHERE user=?1") &&
           prep(w.clear_threads, "DELETE FROM threads WHERE user=?1") &&
           prep(w.clear_messages, "DELETE FROM messages WHERE user=?1") &&
           prep(w.clear_watermarks, "DELETE FROM watermarks WHERE user=?1") &&
           prep(w.ensure_thread,
                "INSERT OR IGNORE INTO threads(user, thread, name, participants) VALUES(?1, ?2, '', x'')") &&
           prep(w.get_thread, "SELECT participants FROM threads WHERE user=?1 AND thread=?2") &&
           prep(w.set_name, "UPDATE threads SET name=?3 WHERE user=?1 AND thread=?2") &&
           prep(w.set_participants, "UPDATE threads SET participants=?3 WHERE user=?1 AND thread=?2") &&
           prep(w.put_message,
                "INSERT OR REPLACE INTO messages(user, thread, message, sender, time, text, reply_to) "
                "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)") &&
           prep(w.edit_message, "UPDATE messages SET text=?4 WHERE user=?1 AND thread=?2 AND message=?3") &&
           prep(w.delete_message, "DELETE FROM messages WHERE user=?1 AND thread=?2 AND message=?3") &&
           prep(w.put_watermark,
                "INSERT INTO watermarks(user, thread, reader, up_to) VALUES(?1, ?2, ?3, ?4) "
                "ON CONFLICT(user, thread, reader) DO UPDATE SET up_to=max(up_to, excluded.up_to)");
  }

  bool open_read() const {
    r_ = std::make_unique<R>();
    R& r = *r_;
    if (!open_conn(r, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX)) return false;
    auto prep = [&](Stmt& s, const char* sql) {
      s = Stmt(r.db, sql);
      if (!s.ok()) IRIS_LOG(error, "history", "cannot prepare '{}': {}", sql, sqlite3_errmsg(r.db));
      return s.ok();
    };
    return prep(r.begin, "BEGIN") && prep(r.end, "COMMIT") &&
           prep(r.position, "SELECT epoch, seq FROM position WHERE user=?1") &&
           prep(r.threads, "SELECT thread, name, participants FROM threads WHERE user=?1 ORDER BY thread") &&
           prep(r.latest,
                "SELECT message, sender, time, text, reply_to FROM messages "
                "WHERE user=?1 AND thread=?2 ORDER BY message DESC LIMIT ?3") &&
           prep(r.older,
                "SELECT message, sender, time, text, reply_to FROM messages "
                "WHERE user=?1 AND thread=?2 AND message < ?4 ORDER BY message DESC LIMIT ?3") &&
           prep(r.watermarks,
                "SELECT reader, up_to FROM watermarks WHERE user=?1 AND thread=?2 ORDER BY reader") &&
           prep(r.unread,
                "SELECT count(*) FROM messages m WHERE m.user=?1 AND m.thread=?2 AND m.sender<>?1 AND "
                "NOT EXISTS (SELECT 1 FROM watermarks w WHERE w.user=?1 AND w.thread=?2 AND "
                "w.reader=?1 AND w.up_to >= m.message)") &&
           prep(r.updates,
                "SELECT seq, record FROM updates WHERE user=?1 AND seq>=?2 ORDER BY seq LIMIT ?3");
  }

  // Reopens a closed write connection, at most once per reopen_interval.
  bool ensure_open_write() {
    if (w_) return true;
    if (std::chrono::steady_clock::now() - last_open_ < options_.reopen_interval) return false;
    std::lock_guard r(read_mu_);
    open_locked();
    return w_ != nullptr;
  }
  // Called by reads before they take read_mu_: a closed store is reopened (rate-limited)
  // by whichever call comes first, so a reader-only caller (the writer asking for a
  // position) also notices that the disk is back.
  bool ensure_open_read() const {
    if (open_) return true;
    std::lock_guard w(write_mu_);
    if (w_ && r_) return true;
    if (std::chrono::steady_clock::now() - last_open_ < options_.reopen_interval) return false;
    std::lock_guard r(read_mu_);
    open_locked();
    return w_ && r_;
  }

  Result<void> write_failed(const char* what) {
    IRIS_LOG(error, "history", "history write failed ({}): {}; reopening on next use", what,
             sqlite3_errmsg(w_->db));
    w_->rollback.run();
    std::lock_guard r(read_mu_);
    close_locked();
    return fail(errc::io_error);
  }
  tl::unexpected<std::error_code> read_failed() const {
    IRIS_LOG(error, "history", "history read failed: {}", r_ ? sqlite3_errmsg(r_->db) : "closed");
    return fail(errc::io_error);
  }

  static Result<HistoryPosition> read_position(R& r, UserId user) {
    r.position.bind(1, enc(user.value()));
    HistoryPosition pos;
    const int rc = r.position.step();
    if (rc == SQLITE_ROW) {
      pos = {core::Epoch{static_cast<std::uint64_t>(r.position.i64(0))},
             Seq{static_cast<std::uint64_t>(r.position.i64(1))}};
    }
    r.position.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(errc::io_error);
    return pos;
  }

  Result<std::vector<HistoryMessage>> read_messages(R& r, std::int64_t user, std::int64_t thread,
                                                    std::optional<MessageId> before,
                                                    std::int64_t limit) const {
    Stmt& s = before ? r.older : r.latest;
    s.bind(1, user).bind(2, thread).bind(3, limit);
    if (before) s.bind(4, enc(before->value()));
    std::vector<HistoryMessage> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      HistoryMessage m{MessageId{dec(s.i64(0))}, UserId{dec(s.i64(1))},
                       core::Timestamp{std::chrono::milliseconds{s.i64(2)}}, s.text(3), std::nullopt};
      if (!s.null(4)) m.reply_to = MessageId{dec(s.i64(4))};
      out.push_back(std::move(m));
    }
    s.reset();
    if (rc != SQLITE_DONE) return read_failed();
    std::reverse(out.begin(), out.end());
    return out;
  }

  // The materialized-inbox rules of history_store.h, as SQL.
  // `known_thread` is the thread whose row this transaction already made sure of.
  static bool materialize(W& w, UserId user, const core::Update& upd,
                          std::optional<ThreadId>& known_thread) {
    const std::int64_t u = enc(user.value());
    const std::int64_t t = enc(upd.thread.value());
    if (known_thread != upd.thread) {
      if (!w.ensure_thread.bind(1, u).bind(2, t).run()) return false;
      known_thread = upd.thread;
    }
    return std::visit(
        [&](const auto& b) -> bool {
          using T = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<T, core::ThreadCreated>) {
            return w.set_name.bind(1, u).bind(2, t).bind(3, b.name).run() &&
                   w.set_participants.bind(1, u).bind(2, t).bind_blob(3, encode_users(b.participants)).run();
          } else if constexpr (std::is_same_v<T, core::ThreadRenamed>) {
            return w.set_name.bind(1, u).bind(2, t).bind(3, b.name).run();
          } else if constexpr (std::is_same_v<T, core::ParticipantsChanged>) {
            w.get_thread.bind(1, u).bind(2, t);
            if (w.get_thread.step() != SQLITE_ROW) {
              w.get_thread.reset();
              return false;
            }
            const auto blob = w.get_thread.blob(0);
            auto ps = decode_users(blob.data(), static_cast<int>(blob.size()));
            w.get_thread.reset();
            for (auto p : b.added) {
              if (std::find(ps.begin(), ps.end(), p) == ps.end()) ps.push_back(p);
            }
            for (auto p : b.removed) std::erase(ps, p);
            return w.set_participants.bind(1, u).bind(2, t).bind_blob(3, encode_users(ps)).run();
          } else if constexpr (std::is_same_v<T, core::MessageCreated>) {
            w.put_message.bind(1, u).bind(2, t).bind(3, enc(b.message.value()))
                .bind(4, enc(upd.actor.value())).bind(5, upd.time.time_since_epoch().count())
                .bind(6, b.text);
            if (b.reply_to) w.put_message.bind(7, enc(b.reply_to->value()));
            else w.put_message.bind_null(7);
            return w.put_message.run();
          } else if constexpr (std::is_same_v<T, core::MessageEdited>) {
            return w.edit_message.bind(1, u).bind(2, t).bind(3, enc(b.message.value())).bind(4, b.text).run();
          } else if constexpr (std::is_same_v<T, core::MessageDeleted>) {
            return w.delete_message.bind(1, u).bind(2, t).bind(3, enc(b.message.value())).run();
          } else {
            static_assert(std::is_same_v<T, core::ReadReceipt>);
            return w.put_watermark.bind(1, u).bind(2, t).bind(3, enc(b.reader.value()))
                .bind(4, enc(b.up_to.value())).run();
          }
        },
        upd.body);
  }

  const HistoryStoreOptions options_;
  std::atomic<bool> unavailable_{false};
  // The connections are state of the store, not of its contents: reads reopen them too.
  mutable std::mutex write_mu_;
  mutable std::mutex read_mu_;  // taken after write_mu_ when both are needed
  mutable std::unique_ptr<W> w_;  // guarded by write_mu_ (reset also under read_mu_)
  mutable std::unique_ptr<R> r_;  // guarded by read_mu_ (set also under write_mu_)
  mutable std::chrono::steady_clock::time_point last_open_;  // guarded by write_mu_
  mutable std::atomic<bool> open_{false};  // both connections are up
};

}  // namespace

std::unique_ptr<HistoryStore> open_sqlite_history_store(const HistoryStoreOptions& options) {
  return std::make_unique<SqliteHistoryStore>(options);
}

}  // namespace iris::store
