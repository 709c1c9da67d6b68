#pragma once
// A thin RAII layer over the SQLite C API for LocalStore: a connection, prepared statements
// bound by position, and errors as client::errc::store with SQLite's message logged once.
// Single-threaded: one Db is used by one thread at a time (the client's thread).

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace iris::client::detail {

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, std::string_view sql);
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  bool ok() const { return stmt_ != nullptr; }
  // Binds parameter i (1-based). Unsigned 64-bit ids are stored as the signed integer of
  // the same bits (SQLite integers are signed), and read back the same way.
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind_u64(int i, std::uint64_t v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, std::string_view v);
  Stmt& bind_null(int i);

  // One step: true = a row is ready, false = done. An error resets the statement.
  Result<bool> step();
  // Runs to completion (for writes), then resets for reuse.
  Result<void> run();
  void reset();

  std::int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::uint64_t u64(int col) const { return static_cast<std::uint64_t>(i64(col)); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  static Result<Db> open(const std::string& path);
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&&) = delete;
  Db(const Db&) = delete;
  ~Db();

  Result<void> exec(std::string_view sql);
  Stmt prepare(std::string_view sql) { return Stmt(db_, sql); }
  sqlite3* raw() const { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// Logs SQLite's last error for `what` and returns errc::store.
std::error_code store_error(sqlite3* db, std::string_view what);

}  // namespace iris::client::detail
