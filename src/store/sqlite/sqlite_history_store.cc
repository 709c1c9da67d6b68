#include "store/sqlite/sqlite_history_store.h"

#include <atomic>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>

#include "base/log.h"
#include "sqlite/database.h"
#include "store/errc.h"
#include "store/sqlite/detail/history_reads.h"
#include "store/sqlite/detail/history_schema.h"
#include "store/sqlite/detail/history_writes.h"

namespace iris::store {
namespace {

using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::UserId;

// A connection and the statements prepared on it (declared after it: finalized first).
struct WriteConn {
  sqlite::Database db;
  detail::HistoryWrites writes{db};
};
struct ReadConn {
  sqlite::Database db;
  detail::HistoryReads reads{db};
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
    auto& w = w_->writes;
    if (!w.begin()) return write_failed("BEGIN");
    for (const auto& b : batches) {
      if (!w.apply(b)) return write_failed("apply");
    }
    if (!w.commit()) return write_failed("COMMIT");
    keep_wal_small();
    return {};
  }

  Result<HistoryPosition> position(UserId user) const override {
    return read([&](detail::HistoryReads& r) { return r.position(user); });
  }

  Result<HistoryInbox> inbox(UserId user, std::size_t latest) const override {
    return read([&](detail::HistoryReads& r) { return r.inbox(user, latest); });
  }

  Result<std::vector<HistoryMessage>> messages(UserId user, ThreadId thread,
                                               std::optional<MessageId> before,
                                               std::size_t limit) const override {
    return read([&](detail::HistoryReads& r) { return r.messages(user, thread, before, limit); });
  }

  Result<std::vector<core::Update>> updates(UserId user, Seq from,
                                            std::size_t max_count) const override {
    return read([&](detail::HistoryReads& r) { return r.updates(user, from, max_count); });
  }

  void set_unavailable(bool unavailable) override { unavailable_ = unavailable; }

 private:
  template <class F>
  auto read(F&& f) const -> decltype(f(std::declval<detail::HistoryReads&>())) {
    if (unavailable_) return fail(errc::unavailable);
    if (!ensure_open_read()) return fail(errc::unavailable);
    std::lock_guard lock(read_mu_);
    if (!r_) return fail(errc::unavailable);
    auto result = f(r_->reads);
    if (!result && result.error() == errc::io_error) {
      IRIS_LOG(error, "history", "history read failed: {}", r_->db.last_error());
    }
    return result;
  }

  // Requires: both mutexes held (constructor) or the one of the connection touched.
  void open_locked() const {
    last_open_ = std::chrono::steady_clock::now();
    std::error_code ec;
    std::filesystem::create_directories(options_.path, ec);
    if (ec) {
      IRIS_LOG(error, "history", "history store unavailable: cannot create {}: {}", options_.path, ec.message());
      return;
    }
    if (!open_write() || !open_read()) {
      IRIS_LOG(error, "history", "history store unavailable: cannot set up {}", file());
      close_locked();
      return;
    }
    open_ = true;
    IRIS_LOG(info, "history", "history store open at {}", file());
  }
  void close_locked() const {
    open_ = false;
    r_.reset();
    w_.reset();
  }
  std::string file() const { return (std::filesystem::path(options_.path) / "history.sqlite3").string(); }

  sqlite::OpenOptions open_options(sqlite::Access access) const {
    sqlite::OpenOptions o;
    o.access = access;
    o.log_component = "history";
    o.error = make_error_code(errc::io_error);
    return o;
  }

  bool open_write() const {
    auto db = sqlite::Database::open(file(), open_options(sqlite::Access::read_write));
    if (!db) return false;
    // A 64 MiB page cache keeps the B-tree interiors of a busy history in memory (the
    // default 2 MiB makes large batches read pages back); see docs/STORAGE_FORMAT.md.
    if (!db->exec("PRAGMA journal_mode=WAL") || !db->exec("PRAGMA synchronous=FULL") ||
        !db->exec("PRAGMA cache_size=-65536") ||
        !db->exec(fmt::format("PRAGMA journal_size_limit={}", options_.wal_limit_bytes)) ||
        !detail::prepare_history_schema(*db, file())) {
      return false;
    }
    w_.reset(new WriteConn{std::move(*db)});
    return w_->writes.ok();
  }

  bool open_read() const {
    auto db = sqlite::Database::open(file(), open_options(sqlite::Access::read_only));
    if (!db) return false;
    r_.reset(new ReadConn{std::move(*db)});
    return r_->reads.ok();
  }

  // A commit that left the WAL over its limit checkpoints it into the database and truncates
  // it. TRUNCATE waits (busy timeout) for readers of older snapshots; if it cannot finish,
  // the next commit tries again.
  void keep_wal_small() {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file() + "-wal", ec);
    if (ec || size <= options_.wal_limit_bytes) return;
    if (!w_->db.exec("PRAGMA wal_checkpoint(TRUNCATE)")) {
      IRIS_LOG(warn, "history", "WAL checkpoint of {} did not finish ({} bytes); retried after the next commit",
               file(), size);
    }
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
             w_->db.last_error());
    w_->writes.rollback();
    std::lock_guard r(read_mu_);
    close_locked();
    return fail(errc::io_error);
  }

  const HistoryStoreOptions options_;
  std::atomic<bool> unavailable_{false};
  // The connections are state of the store, not of its contents: reads reopen them too.
  mutable std::mutex write_mu_;
  mutable std::mutex read_mu_;  // taken after write_mu_ when both are needed
  mutable std::unique_ptr<WriteConn> w_;  // guarded by write_mu_ (reset also under read_mu_)
  mutable std::unique_ptr<ReadConn> r_;   // guarded by read_mu_ (set also under write_mu_)
  mutable std::chrono::steady_clock::time_point last_open_;  // guarded by write_mu_
  mutable std::atomic<bool> open_{false};  // both connections are up
};

}  // namespace

std::unique_ptr<HistoryStore> open_sqlite_history_store(const HistoryStoreOptions& options) {
  return std::make_unique<SqliteHistoryStore>(options);
}

}  // namespace iris::store
