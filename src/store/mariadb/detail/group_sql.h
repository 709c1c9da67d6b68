#pragma once
// GroupSql: the SQL of one group commit of the MariaDB queue store, built statement by
// statement on the commit thread and run as one transaction in as few queries (round trips)
// as fit kMaxQueryBytes. Values are integers and hex literals only, never text from a client.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/ids.h"
#include "store/mariadb/connection.h"

namespace iris::store::mariadb::detail {

// One query (one round trip) carries at most this much SQL; a bigger group is sent in
// several, inside the same transaction. Well under the server's default max_allowed_packet
// (16 MiB).
inline constexpr std::size_t kMaxQueryBytes = 4u << 20;
inline constexpr std::size_t kMaxRowsPerStatement = 1000;

inline std::string num(std::uint64_t v) { return std::to_string(v); }

// The statements of one group's transaction, in the order they must run, and the multi-row
// INSERT of updates being built (flushed before any DELETE, so a trim in the same group
// deletes rows appended earlier in it, as the model does).
class GroupSql {
 public:
  void add_update(core::UserId user, core::Seq seq, core::UserId actor, std::string_view record) {
    open_rows(updates_, updates_rows_, "INSERT INTO queue_updates (user_id, seq, actor, record) VALUES ");
    updates_ += '(' + num(user.value()) + ',' + num(seq.value()) + ',' + num(actor.value()) + ',';
    Connection::append_hex(record, updates_);
    updates_ += ')';
    if (updates_rows_ >= kMaxRowsPerStatement || updates_.size() >= kMaxQueryBytes / 2) flush();
  }
  void add_statement(std::string sql) {
    flush();
    statements_.push_back(std::move(sql));
  }
  // Adds rows to a multi-row statement `head ... tail` of its own (metas, cursors, keys).
  void add_rows(const std::string& head, const std::vector<std::string>& rows, const std::string& tail) {
    std::string sql;
    std::size_t n = 0;
    for (const auto& r : rows) {
      open_rows(sql, n, head);
      sql += r;
      if (n >= kMaxRowsPerStatement || sql.size() >= kMaxQueryBytes / 2) {
        add_statement(sql + tail);
        sql.clear();
        n = 0;
      }
    }
    if (!sql.empty()) add_statement(sql + tail);
  }
  bool empty() const { return statements_.empty() && updates_.empty(); }
  // The transaction is already open (a fenced group's prefetch opened it): run() must not
  // start another, which would commit the first and release its locks.
  void continue_transaction() { started_ = true; }

  // Runs everything as one transaction. Any failure leaves the transaction open on a
  // connection the caller drops, so the server rolls it back.
  Result<void> run(Connection& conn) {
    flush();
    std::string query = started_ ? "" : "START TRANSACTION";
    for (auto& s : statements_) {
      if (!query.empty() && query.size() + s.size() + 1 > kMaxQueryBytes) {
        if (auto r = conn.execute(query); !r) return r;
        query.clear();
      }
      if (!query.empty()) query += ';';
      query += s;
    }
    if (!query.empty()) query += ';';
    query += "COMMIT";
    return conn.execute(query);
  }

 private:
  static void open_rows(std::string& sql, std::size_t& n, std::string_view head) {
    if (sql.empty()) sql = head;
    else sql += ',';
    ++n;
  }
  void flush() {
    if (updates_.empty()) return;
    statements_.push_back(std::move(updates_));
    updates_.clear();
    updates_rows_ = 0;
  }

  std::vector<std::string> statements_;
  std::string updates_;
  std::size_t updates_rows_ = 0;
  bool started_ = false;
};


}  // namespace iris::store::mariadb::detail
