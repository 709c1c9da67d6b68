#pragma once
// The one SQLite wrapper (README.md): a connection and its prepared statements, RAII, bound
// and read by position, with u64 ids stored one way.
//
// u64 ids: bind_u64/u64 store the SQLite integer with the same 64 bits. Below 2^63 that is
// the id itself (short on disk, readable in the sqlite3 shell); SQL compares signed integers,
// so a query ordering ids that may reach 2^63 compares (x < 0, x) or runs over the two halves.
//
// Errors: a failure is logged once, with SQLite's message, under the log component given to
// open(), and returned as the error code given there: the owning part keeps its own errc.
//
// Threading: a Database and its Statements are used by one thread at a time. A Statement
// must not outlive the Database that prepared it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace iris::sqlite {

enum class Access {
  read_write,  // creates the file if it is missing
  read_only,
};

struct OpenOptions {
  Access access = Access::read_write;
  // The log component under which failures are logged (e.g. "history", "client.store").
  std::string log_component = "sqlite";
  // What every failure is returned as: the owning part's error code.
  std::error_code error = std::make_error_code(std::errc::io_error);
  // How long a statement waits for another connection's lock before it fails. Default 5 s:
  // long enough for a writer's commit, short enough that a stuck peer is reported.
  std::chrono::milliseconds busy_timeout{5000};
};

namespace detail {
struct Connection;  // the sqlite3 handle and the owner's error settings, at a stable address
}

class Statement {
 public:
  // An empty statement (or one whose preparation failed: ok() is false); every step fails.
  Statement() = default;
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  bool ok() const { return stmt_ != nullptr; }

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int i, std::int64_t v);
  Statement& bind_u64(int i, std::uint64_t v) { return bind(i, static_cast<std::int64_t>(v)); }
  Statement& bind(int i, std::string_view text);
  Statement& bind_blob(int i, std::string_view bytes);
  Statement& bind_null(int i);

  // One step: true = a row is ready, false = done. A failure is logged and resets the
  // statement.
  Result<bool> step();
  // Steps to completion (a write), then resets for reuse.
  Result<void> run();
  // Ready to run again, with every parameter unbound (NULL).
  void reset();

  // Columns are 0-based, as in SQLite; valid until the next step or reset.
  std::int64_t i64(int col) const;
  std::uint64_t u64(int col) const { return static_cast<std::uint64_t>(i64(col)); }
  bool is_null(int col) const;
  std::string text(int col) const;
  std::string_view blob(int col) const;

 private:
  friend class Database;
  Statement(const detail::Connection* conn, sqlite3_stmt* stmt) : conn_(conn), stmt_(stmt) {}
  const detail::Connection* conn_ = nullptr;  // the Database's; must outlive this statement
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  // Opens (read_write: creates) the file at `path`.
  static Result<Database> open(const std::string& path, const OpenOptions& options);
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements with no parameters and no result rows.
  Result<void> exec(std::string_view sql);
  // A prepared statement, or one whose ok() is false (the failure is logged).
  Statement prepare(std::string_view sql) const;
  // Logs SQLite's last error for `what` and returns the owner's error code.
  std::error_code failure(std::string_view what) const;
  // SQLite's message for the last failure on this connection.
  std::string last_error() const;
  // For the rare call this wrapper does not cover (pragmas with results use prepare()).
  sqlite3* raw() const;

 private:
  explicit Database(std::unique_ptr<detail::Connection> conn);
  std::unique_ptr<detail::Connection> conn_;
};

}  // namespace iris::sqlite
