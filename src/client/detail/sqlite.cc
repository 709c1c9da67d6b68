#include "client/detail/sqlite.h"

#include "base/log.h"
#include "client/errc.h"

namespace iris::client::detail {

std::error_code store_error(sqlite3* db, std::string_view what) {
  IRIS_LOG(warn, "client.store", "{}: {}", what, db ? sqlite3_errmsg(db) : "no database");
  return make_error_code(errc::store);
}

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt_, nullptr) != SQLITE_OK) {
    store_error(db, sql);
    stmt_ = nullptr;
  }
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> Stmt::step() {
  if (!stmt_) return fail(errc::store);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  auto ec = store_error(db_, sqlite3_sql(stmt_));
  reset();
  return fail(ec);
}

Result<void> Stmt::run() {
  auto r = step();
  reset();
  if (!r) return fail(r.error());
  return {};
}

void Stmt::reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Stmt::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}

Result<Db> Db::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    auto ec = store_error(db, "open " + path);
    sqlite3_close(db);
    return fail(ec);
  }
  // Another process (a second `iris` command) may hold the write lock for a moment.
  sqlite3_busy_timeout(db, 5000);
  return Db(db);
}

Db::~Db() { sqlite3_close(db_); }

Result<void> Db::exec(std::string_view sql) {
  std::string s(sql);
  char* msg = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    IRIS_LOG(warn, "client.store", "{}: {}", s, msg ? msg : "?");
    sqlite3_free(msg);
    return fail(errc::store);
  }
  return {};
}

}  // namespace iris::client::detail
