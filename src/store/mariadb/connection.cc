#include "store/mariadb/connection.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <charconv>
#include <mutex>

#include "base/log.h"
#include "store/errc.h"

namespace iris::store::mariadb {
namespace {

// mysql_library_init is not thread-safe; every other call after it is (per handle).
void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

unsigned to_seconds(std::chrono::seconds s) {
  return static_cast<unsigned>(std::max<std::chrono::seconds::rep>(1, s.count()));
}

}  // namespace

bool breaks_connection(unsigned error_number) {
  // Client-side errors (2000-2999, 5000+) are all about the transport or protocol state.
  if (error_number >= CR_MIN_ERROR) return true;
  switch (error_number) {
    case ER_OPTION_PREVENTS_STATEMENT:  // read-only: a fenced or not yet promoted server
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_LOCK_DEADLOCK:
    case ER_QUERY_INTERRUPTED:
    case ER_STATEMENT_TIMEOUT:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_NET_READ_ERROR:
    case ER_NET_READ_INTERRUPTED:
    case ER_NET_WRITE_INTERRUPTED:
    case ER_NET_ERROR_ON_WRITE:
    case ER_NET_PACKETS_OUT_OF_ORDER:
    case ER_NET_PACKET_TOO_LARGE:
    case ER_ABORTING_CONNECTION:
    case ER_NEW_ABORTING_CONNECTION:
      return true;
    default:
      // Any other server error (duplicate key, syntax, missing table) leaves the session
      // usable but the current transaction's outcome is the caller's to roll back; the
      // stores drop the connection after any failed write anyway.
      return false;
  }
}

std::string ServerAddress::str() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<ServerAddress> parse_server(std::string_view text) {
  ServerAddress out;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return fail(errc::invalid_request);
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return fail(errc::invalid_request);
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (out.host.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port == 0 || port > 65535) {
    return fail(errc::invalid_request);
  }
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

Result<std::uint64_t> Rows::u64(std::size_t row, std::size_t col) const {
  const auto& cell = at(row, col);
  if (!cell) return fail(errc::corrupt_record);
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(cell->data(), cell->data() + cell->size(), v);
  if (ec != std::errc{} || end != cell->data() + cell->size()) return fail(errc::corrupt_record);
  return v;
}

std::string_view Rows::bytes(std::size_t row, std::size_t col) const {
  const auto& cell = at(row, col);
  return cell ? std::string_view(*cell) : std::string_view();
}

// --- Connection ---

Connection::Connection(ServerAddress server, st_mysql* handle)
    : server_(std::move(server)), handle_(handle) {}

Connection::Connection(Connection&& o) noexcept
    : server_(std::move(o.server_)), handle_(std::exchange(o.handle_, nullptr)),
      broken_(o.broken_), statements_(std::move(o.statements_)) {
  for (auto& [sql, statement] : statements_) statement->owner_ = this;
}

Connection& Connection::operator=(Connection&& o) noexcept {
  if (this != &o) {
    close();
    server_ = std::move(o.server_);
    handle_ = std::exchange(o.handle_, nullptr);
    broken_ = o.broken_;
    statements_ = std::move(o.statements_);
    for (auto& [sql, statement] : statements_) statement->owner_ = this;
  }
  return *this;
}

Connection::~Connection() { close(); }

void Connection::close() {
  statements_.clear();  // statements close before their handle
  if (handle_) mysql_close(handle_);
  handle_ = nullptr;
}

Result<Connection> Connection::open(const ServerAddress& server, const MariaDbOptions& options,
                                    bool with_database) {
  init_library_once();
  MYSQL* h = mysql_init(nullptr);
  if (!h) return fail(errc::unavailable);
  const unsigned connect_s = to_seconds(options.connect_timeout);
  const unsigned read_s = to_seconds(options.read_timeout);
  const unsigned write_s = to_seconds(options.write_timeout);
  const unsigned protocol = MYSQL_PROTOCOL_TCP;  // "localhost" would otherwise mean a socket
  const my_bool no = 0;
  mysql_options(h, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
  mysql_options(h, MYSQL_OPT_READ_TIMEOUT, &read_s);
  mysql_options(h, MYSQL_OPT_WRITE_TIMEOUT, &write_s);
  mysql_options(h, MYSQL_OPT_PROTOCOL, &protocol);
  // A silent reconnect would drop an open transaction and session settings unnoticed.
  mysql_options(h, MYSQL_OPT_RECONNECT, &no);
  mysql_options(h, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // Session settings that every statement relies on: strict (an over-long value fails
  // instead of being truncated), and autocommit unless a statement opens a transaction.
  mysql_options(h, MYSQL_INIT_COMMAND,
                "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', autocommit = 1");
  if (!mysql_real_connect(h, server.host.c_str(), options.user.c_str(), options.password.c_str(),
                          with_database ? options.database.c_str() : nullptr, server.port, nullptr,
                          CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS)) {
    IRIS_LOG(warn, "store", "cannot connect to MariaDB at {}: {} ({})", server.str(), mysql_error(h),
             mysql_errno(h));
    mysql_close(h);
    return fail(errc::unavailable);
  }
  return Connection(server, h);
}

tl::unexpected<std::error_code> Connection::failure(std::string_view what, unsigned error_number,
                                                    std::string_view message) {
  if (breaks_connection(error_number)) broken_ = true;
  IRIS_LOG(warn, "store", "MariaDB at {}: {} failed: {} ({})", server_.str(), what, message,
           error_number);
  return fail(errc::unavailable);
}

tl::unexpected<std::error_code> Connection::handle_failure(std::string_view what) {
  return failure(what, mysql_errno(handle_), mysql_error(handle_));
}

Result<void> Connection::execute(std::string_view sql) {
  auto r = query(sql);
  if (!r) return fail(r.error());
  return {};
}

Result<std::vector<Rows>> Connection::query(std::string_view sql) {
  if (!handle_ || broken_) return fail(errc::unavailable);
  std::vector<Rows> out;
  if (mysql_real_query(handle_, sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
    return handle_failure("query");
  }
  for (;;) {
    MYSQL_RES* res = mysql_store_result(handle_);
    if (res) {
      const unsigned n = mysql_num_fields(res);
      Rows rows(n);
      while (MYSQL_ROW row = mysql_fetch_row(res)) {
        const unsigned long* lengths = mysql_fetch_lengths(res);
        for (unsigned i = 0; i < n; ++i) {
          if (row[i]) rows.push(std::string(row[i], lengths[i]));
          else rows.push(std::nullopt);
        }
      }
      mysql_free_result(res);
      out.push_back(std::move(rows));
    } else if (mysql_field_count(handle_) != 0) {
      return handle_failure("reading a result");
    } else {
      out.emplace_back();
    }
    const int next = mysql_next_result(handle_);
    if (next == -1) break;
    if (next > 0) return handle_failure("query");
  }
  return out;
}

Result<Rows> Connection::query_one(std::string_view sql) {
  auto all = query(sql);
  if (!all) return fail(all.error());
  if (all->empty()) return Rows{};
  return std::move(all->front());
}

Result<bool> Connection::writable() {
  auto rows = query_one("SELECT @@global.read_only");
  if (!rows) return fail(rows.error());
  if (rows->size() != 1) return fail(errc::unavailable);
  auto v = rows->u64(0, 0);
  if (!v) return fail(v.error());
  return *v == 0;
}

void Connection::append_hex(std::string_view bytes, std::string& sql) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  if (bytes.empty()) {
    sql += "''";
    return;
  }
  sql += "X'";
  for (unsigned char c : bytes) {
    sql.push_back(kDigits[c >> 4]);
    sql.push_back(kDigits[c & 15]);
  }
  sql.push_back('\'');
}

Result<void> Connection::execute(const std::string& sql, std::span<const Param> params) {
  auto s = prepare(sql);
  if (!s) return fail(s.error());
  return (*s)->execute(params);
}

Result<Rows> Connection::query(const std::string& sql, std::span<const Param> params) {
  auto s = prepare(sql);
  if (!s) return fail(s.error());
  return (*s)->query(params);
}

Result<Statement*> Connection::prepare(const std::string& sql) {
  if (!handle_ || broken_) return fail(errc::unavailable);
  if (auto it = statements_.find(sql); it != statements_.end()) return it->second.get();
  MYSQL_STMT* stmt = mysql_stmt_init(handle_);
  if (!stmt) return handle_failure("preparing a statement");
  if (mysql_stmt_prepare(stmt, sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
    auto f = failure("preparing a statement", mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
    mysql_stmt_close(stmt);
    return f;
  }
  auto owned = std::unique_ptr<Statement>(new Statement(*this, stmt));
  Statement* raw = owned.get();
  statements_.emplace(sql, std::move(owned));
  return raw;
}

// --- Statement ---

Statement::~Statement() {
  if (stmt_) mysql_stmt_close(stmt_);
}

Result<void> Statement::stmt_failure(std::string_view what) {
  return owner_->failure(what, mysql_stmt_errno(stmt_), mysql_stmt_error(stmt_));
}

Result<void> Statement::bind_and_run(std::span<const Param> params) {
  if (owner_->broken_) return fail(errc::unavailable);
  if (mysql_stmt_param_count(stmt_) != params.size()) return fail(errc::invalid_request);
  std::vector<MYSQL_BIND> binds(params.size());
  std::vector<unsigned long> lengths(params.size());
  // The binds point into `params` (integers by address): they must stay alive until execute.
  for (std::size_t i = 0; i < params.size(); ++i) {
    MYSQL_BIND& b = binds[i];
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>) {
            b.buffer_type = MYSQL_TYPE_NULL;
          } else if constexpr (std::is_same_v<T, std::string_view>) {
            b.buffer_type = MYSQL_TYPE_BLOB;
            b.buffer = const_cast<char*>(v.data());
            b.buffer_length = static_cast<unsigned long>(v.size());
            lengths[i] = static_cast<unsigned long>(v.size());
            b.length = &lengths[i];
          } else {
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.buffer = const_cast<T*>(&v);
            b.is_unsigned = std::is_same_v<T, std::uint64_t>;
          }
        },
        params[i]);
  }
  if (!params.empty() && mysql_stmt_bind_param(stmt_, binds.data()) != 0) {
    return stmt_failure("binding parameters");
  }
  if (mysql_stmt_execute(stmt_) != 0) return stmt_failure("executing a statement");
  return {};
}

Result<void> Statement::execute(std::span<const Param> params) {
  auto r = bind_and_run(params);
  if (r && mysql_stmt_field_count(stmt_) != 0) mysql_stmt_free_result(stmt_);
  return r;
}

std::uint64_t Statement::affected_rows() const { return mysql_stmt_affected_rows(stmt_); }

Result<Rows> Statement::query(std::span<const Param> params) {
  if (auto r = bind_and_run(params); !r) return fail(r.error());
  const unsigned n = mysql_stmt_field_count(stmt_);
  Rows rows(n);
  if (n == 0) return rows;
  if (mysql_stmt_store_result(stmt_) != 0) return fail(stmt_failure("reading rows").error());
  // Every column is fetched as bytes (integers as their decimal text); a cell longer than its
  // buffer is fetched again whole with mysql_stmt_fetch_column.
  constexpr unsigned long kInitial = 256;
  std::vector<std::string> buffers(n, std::string(kInitial, '\0'));
  std::vector<unsigned long> lengths(n);
  std::vector<my_bool> nulls(n), errors(n);
  std::vector<MYSQL_BIND> binds(n);
  for (unsigned i = 0; i < n; ++i) {
    binds[i].buffer_type = MYSQL_TYPE_STRING;
    binds[i].buffer = buffers[i].data();
    binds[i].buffer_length = kInitial;
    binds[i].length = &lengths[i];
    binds[i].is_null = &nulls[i];
    binds[i].error = &errors[i];
  }
  if (mysql_stmt_bind_result(stmt_, binds.data()) != 0) {
    mysql_stmt_free_result(stmt_);
    return fail(stmt_failure("binding results").error());
  }
  for (;;) {
    const int f = mysql_stmt_fetch(stmt_);
    if (f == MYSQL_NO_DATA) break;
    if (f == 1) {
      auto e = stmt_failure("fetching a row");
      mysql_stmt_free_result(stmt_);
      return fail(e.error());
    }
    for (unsigned i = 0; i < n; ++i) {
      if (nulls[i]) {
        rows.push(std::nullopt);
        continue;
      }
      if (lengths[i] <= binds[i].buffer_length) {
        rows.push(std::string(buffers[i].data(), lengths[i]));
        continue;
      }
      std::string whole(lengths[i], '\0');
      MYSQL_BIND one{};
      one.buffer_type = MYSQL_TYPE_STRING;
      one.buffer = whole.data();
      one.buffer_length = lengths[i];
      unsigned long got = 0;
      one.length = &got;
      if (mysql_stmt_fetch_column(stmt_, &one, i, 0) != 0) {
        auto e = stmt_failure("fetching a long column");
        mysql_stmt_free_result(stmt_);
        return fail(e.error());
      }
      whole.resize(std::min<unsigned long>(got, lengths[i]));
      rows.push(std::move(whole));
    }
  }
  mysql_stmt_free_result(stmt_);
  return rows;
}

}  // namespace iris::store::mariadb
