#pragma once
// The MariaDB connection layer on Connector/C: one RAII connection (Connection), its prepared
// statements (Statement), results as owned rows (Rows), and the mapping of MariaDB errors to
// store::errc. Used by the MariaDB queue store, the MariaDB history store and the failover
// tools.
//
// Errors: every failure is store::errc::unavailable (retryable: down, read-only, timed out,
// killed, or an error answered by the server), logged once with the server's errno and
// text. After a failure that leaves the session in doubt (lost connection, read-only
// refusal, timeout, deadlock) the connection is marked broken(): drop it and connect again
// (find_writable in connection_pool.h), never retry on it. An open transaction is rolled
// back by the server when its connection closes, so dropping a broken connection never
// commits half a group.
//
// A Connection is used by one thread at a time (Connector/C handles are not thread-safe);
// move it between threads freely.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "store/mariadb/mariadb_options.h"

struct st_mysql;
struct st_mysql_stmt;

namespace iris::store::mariadb {

struct ServerAddress {
  std::string host;
  std::uint16_t port = 3306;
  std::string str() const;
  bool operator==(const ServerAddress&) const = default;
};

// Parses "host:port" or "[v6]:port". invalid_request naming the text if malformed.
Result<ServerAddress> parse_server(std::string_view text);

// A query's rows, owned. NULL cells are nullopt.
class Rows {
 public:
  Rows() = default;
  explicit Rows(std::size_t columns) : columns_(columns) {}
  std::size_t size() const { return columns_ == 0 ? 0 : cells_.size() / columns_; }
  bool empty() const { return size() == 0; }
  std::size_t columns() const { return columns_; }
  const std::optional<std::string>& at(std::size_t row, std::size_t col) const {
    return cells_[row * columns_ + col];
  }
  // The cell as an unsigned integer; corrupt_record if NULL or not a decimal number.
  Result<std::uint64_t> u64(std::size_t row, std::size_t col) const;
  // The cell's bytes ("" for NULL).
  std::string_view bytes(std::size_t row, std::size_t col) const;
  void push(std::optional<std::string> cell) { cells_.push_back(std::move(cell)); }

 private:
  std::size_t columns_ = 0;
  std::vector<std::optional<std::string>> cells_;
};

// A parameter of a prepared statement.
using Param = std::variant<std::nullptr_t, std::uint64_t, std::int64_t, std::string_view>;

class Connection;

// A prepared statement, owned by its Connection (valid until the connection closes).
class Statement {
 public:
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Executes with `params` (as many as the statement's `?`), discarding any rows.
  Result<void> execute(std::span<const Param> params);
  // Executes with `params` and returns every row.
  Result<Rows> query(std::span<const Param> params);
  // Rows changed by the last execute.
  std::uint64_t affected_rows() const;

 private:
  friend class Connection;
  Statement(Connection& owner, st_mysql_stmt* stmt) : owner_(&owner), stmt_(stmt) {}
  Result<void> bind_and_run(std::span<const Param> params);
  Result<void> stmt_failure(std::string_view what);

  // The connection that owns this statement; a moved Connection points its statements at
  // itself, so a pooled connection's cached statements follow it.
  Connection* owner_;
  st_mysql_stmt* stmt_;
};

class Connection {
 public:
  // Connects to `server` with the options' account, database and timeouts, in autocommit
  // mode with multi-statement text queries enabled and strict SQL mode. unavailable if it
  // cannot connect (logged at warn: a down server during failover is expected).
  static Result<Connection> open(const ServerAddress& server, const MariaDbOptions& options,
                                 bool with_database = true);

  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  const ServerAddress& server() const { return server_; }
  // True after an error that leaves the session in doubt: drop the connection.
  bool broken() const { return broken_; }

  // Runs one or several `;`-separated statements (text protocol), discarding their rows.
  // Stops at the first failing statement (the server runs none after it).
  Result<void> execute(std::string_view sql);
  // Runs one or several statements; returns each statement's rows, in order (an empty Rows
  // for a statement without a result set).
  Result<std::vector<Rows>> query(std::string_view sql);
  // Runs one statement and returns its rows.
  Result<Rows> query_one(std::string_view sql);

  // A prepared statement for `sql`, prepared once per connection and cached.
  Result<Statement*> prepare(const std::string& sql);
  // prepare(sql), then that statement's execute or query with `params`.
  Result<void> execute(const std::string& sql, std::span<const Param> params);
  Result<Rows> query(const std::string& sql, std::span<const Param> params);

  // Whether the server accepts writes: `@@global.read_only = 0`.
  Result<bool> writable();

  // `bytes` as a SQL hex literal (X'...', or '' for empty), safe in any text query.
  static void append_hex(std::string_view bytes, std::string& sql);

 private:
  friend class Statement;
  Connection(ServerAddress server, st_mysql* handle);
  // Logs the handle's current error, classifies it (broken or not) and returns unavailable.
  tl::unexpected<std::error_code> failure(std::string_view what, unsigned error_number,
                                          std::string_view message);
  tl::unexpected<std::error_code> handle_failure(std::string_view what);
  void close();

  ServerAddress server_;
  st_mysql* handle_ = nullptr;
  bool broken_ = false;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
};

// Whether a MariaDB/Connector errno leaves the session in doubt (connection lost, server
// read-only, timeout, deadlock, killed): the connection must be dropped. Exposed for tests.
bool breaks_connection(unsigned error_number);

}  // namespace iris::store::mariadb
