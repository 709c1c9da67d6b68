#include "sqlite/database.h"

#include <sqlite3.h>

#include <utility>

#include "base/log.h"

namespace iris::sqlite {
namespace detail {

struct Connection {
  sqlite3* db = nullptr;
  std::string component;
  std::error_code error;

  ~Connection() { sqlite3_close_v2(db); }

  std::error_code failure(std::string_view what) const {
    IRIS_LOG(warn, component, "{}: {}", what, db ? sqlite3_errmsg(db) : "no database");
    return error;
  }
};

}  // namespace detail

Statement::Statement(Statement&& o) noexcept
    : conn_(std::exchange(o.conn_, nullptr)), stmt_(std::exchange(o.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    conn_ = std::exchange(o.conn_, nullptr);
    stmt_ = std::exchange(o.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Statement& Statement::bind(int i, std::string_view text) {
  sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_blob(int i, std::string_view bytes) {
  // A zero-length blob is bound as a blob (x''), not as NULL: data() may be null.
  sqlite3_bind_blob(stmt_, i, bytes.empty() ? "" : bytes.data(), static_cast<int>(bytes.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> Statement::step() {
  if (!stmt_) {
    if (conn_) return fail(conn_->error);
    return fail(std::make_error_code(std::errc::invalid_argument));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  auto ec = conn_->failure(sqlite3_sql(stmt_));
  reset();
  return fail(ec);
}

Result<void> Statement::run() {
  auto r = step();
  reset();
  if (!r) return fail(r.error());
  return {};
}

void Statement::reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::i64(int col) const { return sqlite3_column_int64(stmt_, col); }

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}

std::string_view Statement::blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  return p ? std::string_view(static_cast<const char*>(p),
                              static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string_view();
}

Database::Database(std::unique_ptr<detail::Connection> conn) : conn_(std::move(conn)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Result<Database> Database::open(const std::string& path, const OpenOptions& options) {
  auto conn = std::make_unique<detail::Connection>();
  conn->component = options.log_component;
  conn->error = options.error;
  const int flags = (options.access == Access::read_write
                         ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                         : SQLITE_OPEN_READONLY) |
                    SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &conn->db, flags, nullptr) != SQLITE_OK) {
    return fail(conn->failure("cannot open " + path));  // the handle is closed with conn
  }
  sqlite3_busy_timeout(conn->db, static_cast<int>(options.busy_timeout.count()));
  return Database(std::move(conn));
}

Result<void> Database::exec(std::string_view sql) {
  const std::string s(sql);
  if (sqlite3_exec(conn_->db, s.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail(conn_->failure(s));
  }
  return {};
}

Statement Database::prepare(std::string_view sql) const {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(conn_->db, sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    conn_->failure(sql);
    sqlite3_finalize(stmt);
    stmt = nullptr;
  }
  return Statement(conn_.get(), stmt);
}

std::error_code Database::failure(std::string_view what) const { return conn_->failure(what); }

std::string Database::last_error() const { return sqlite3_errmsg(conn_->db); }

sqlite3* Database::raw() const { return conn_->db; }

}  // namespace iris::sqlite
