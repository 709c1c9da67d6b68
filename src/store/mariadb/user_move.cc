#include "store/mariadb/user_move.h"

#include <algorithm>
#include <limits>
#include <span>

#include "store/errc.h"
#include "store/mariadb/detail/history_tables.h"
#include "store/mariadb/queue_schema.h"
#include "store/mariadb/social_schema.h"

namespace iris::store::mariadb {
namespace {

// The SplitMix64 finalizer of queue_schema.cc and its inverse: each xor-shift by s >= 32 is
// its own inverse, by s < 32 undone by xoring the shifts s, 2s, 4s...; each odd multiplier by
// its inverse modulo 2^64.
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

constexpr std::uint64_t inverse(std::uint64_t a) {
  std::uint64_t x = a;  // Newton: each step doubles the correct low bits (a*a = 1 mod 8)
  for (int i = 0; i < 6; ++i) x *= 2 - a * x;
  return x;
}

std::uint64_t unshift(std::uint64_t z, int s) {
  std::uint64_t out = z;
  for (int k = s; k < 64; k += s) out ^= z >> k;
  return out;
}

std::uint64_t unmix(std::uint64_t z) {
  z = unshift(z, 31);
  z *= inverse(0x94d049bb133111ebull);
  z = unshift(z, 27);
  z *= inverse(0xbf58476d1ce4e5b9ull);
  return unshift(z, 30);
}

std::string num(std::uint64_t v) { return std::to_string(v); }

std::string hex(std::string_view bytes) {
  std::string out;
  Connection::append_hex(bytes, out);
  return out;
}

// Rows of one INSERT are sent in statements of about this many bytes of SQL, well under the
// server's default max_allowed_packet (16 MiB).
constexpr std::size_t kStatementBytes = 4u << 20;

class BatchedInsert {
 public:
  BatchedInsert(Connection& conn, std::string head) : conn_(conn), head_(std::move(head)) {}
  Result<void> add(const std::string& values) {
    if (!sql_.empty() && sql_.size() + values.size() > kStatementBytes) {
      if (auto r = flush(); !r) return r;
    }
    sql_ += (sql_.empty() ? head_ : ",") + values;
    return {};
  }
  Result<void> flush() {
    if (sql_.empty()) return {};
    auto r = conn_.execute(sql_);
    sql_.clear();
    return r;
  }

 private:
  Connection& conn_;
  std::string head_, sql_;
};

// The user's rows of each history (or social) table, and how to select them.
struct HistoryTable {
  const char* name;
  const char* where;  // %u: the user id
  bool shared;
};
constexpr HistoryTable kHistoryTables[] = {
    {"history_position", "user_id = %u", false},
    {"history_log", "user_id = %u", false},
    {"history_threads", "user_id = %u", false},
    {"history_watermarks", "user_id = %u", false},
    {"history_bodies",
     "thread_id IN (SELECT DISTINCT thread_id FROM history_log WHERE user_id = %u AND thread_id IS NOT NULL)", true},
};

// The user's own social state (its contacts, blocks, setting and folders; rows where another
// user blocked or listed this one are that user's, and stay).
constexpr HistoryTable kSocialTables[] = {
    {"social_relations", "owner = %u", false},
    {"social_settings", "owner = %u", false},
    {"social_folders", "owner = %u", false},
};

std::string where_of(const HistoryTable& t, const std::string& user) {
  std::string w = t.where;
  for (auto at = w.find("%u"); at != std::string::npos; at = w.find("%u")) w.replace(at, 2, user);
  return w;
}

bool is_integer_type(std::string_view type) {
  return type == "tinyint" || type == "smallint" || type == "mediumint" || type == "int" || type == "bigint";
}

std::string column_list(const UserRows::Table& t) {
  std::string out;
  for (std::size_t i = 0; i < t.columns.size(); ++i) out += (i ? ",`" : "`") + t.columns[i] + '`';
  return out;
}

// The columns of `tables`, or nothing when the database does not hold them all (no history
// store, no social store).
Result<std::vector<UserRows::Table>> columns_of(Connection& conn, std::span<const HistoryTable> tables) {
  std::vector<UserRows::Table> out;
  std::string names;
  for (const auto& t : tables) names += std::string(names.empty() ? "'" : ", '") + t.name + "'";
  auto cols = conn.query_one(
      "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = DATABASE() "
      "AND table_name IN (" + names + ") ORDER BY table_name, ordinal_position");
  if (!cols) return fail(cols.error());
  for (const auto& t : tables) {
    UserRows::Table table;
    table.name = t.name;
    table.shared = t.shared;
    for (std::size_t i = 0; i < cols->size(); ++i) {
      if (cols->bytes(i, 0) != t.name) continue;
      table.columns.emplace_back(cols->bytes(i, 1));
      table.integer.push_back(is_integer_type(cols->bytes(i, 2)));
    }
    if (table.columns.empty()) return std::vector<UserRows::Table>{};  // not the whole store
    out.push_back(std::move(table));
  }
  return out;
}

// Selects the user's rows of each of `tables` (one statement each, `;`-terminated).
std::string select_rows(const std::vector<UserRows::Table>& tables, std::span<const HistoryTable> defs,
                        const std::string& user) {
  std::string sql;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    sql += "SELECT " + column_list(tables[i]) + " FROM " + tables[i].name + " WHERE " + where_of(defs[i], user) + ';';
  }
  return sql;
}

// Moves the rows `rest` holds, from `first` on, into `tables` (as select_rows asked for them).
Result<void> take_rows(std::vector<UserRows::Table>& tables, const std::vector<Rows>& rest, std::size_t first) {
  for (std::size_t t = 0; t < tables.size(); ++t) {
    auto& table = tables[t];
    const Rows& rows = rest[first + t];
    if (!rows.empty() && rows.columns() != table.columns.size()) return fail(errc::corrupt_record);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::vector<std::optional<std::string>> row;
      for (std::size_t c = 0; c < table.columns.size(); ++c) row.push_back(rows.at(i, c));
      table.rows.push_back(std::move(row));
    }
  }
  return {};
}

// Replaces the user's rows of each table by `tables`' (shared ones: kept where present).
Result<void> write_tables(Connection& conn, const std::vector<UserRows::Table>& tables,
                          std::span<const HistoryTable> defs, const std::string& u) {
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const auto& t = tables[i];
    if (!t.shared) {
      if (auto r = conn.execute("DELETE FROM " + t.name + " WHERE " + where_of(defs[i], u)); !r) return r;
    }
    BatchedInsert insert(conn, std::string(t.shared ? "INSERT IGNORE INTO " : "INSERT INTO ") + t.name + " (" +
                                   column_list(t) + ") VALUES ");
    for (const auto& row : t.rows) {
      std::string values = "(";
      for (std::size_t c = 0; c < row.size(); ++c) {
        if (c) values += ',';
        if (!row[c]) {
          values += "NULL";
        } else if (t.integer[c]) {
          const auto& v = *row[c];
          const bool digits = !v.empty() && v.find_first_not_of("-0123456789") == std::string::npos;
          if (!digits) return fail(errc::corrupt_record);
          values += v;
        } else {
          values += hex(*row[c]);
        }
      }
      if (auto r = insert.add(values + ')'); !r) return r;
    }
    if (auto r = insert.flush(); !r) return r;
  }
  return {};
}

}  // namespace

std::uint64_t UserRows::bytes() const {
  std::uint64_t n = 0;
  for (const auto& u : updates) n += u.record.size();
  for (const auto& i : idempotency) n += i.record.size();
  for (const auto& f : fanout) n += f.record.size() + f.recipients.size();
  for (const auto* tables : {&history, &social}) {
    for (const auto& t : *tables) {
      for (const auto& row : t.rows) {
        for (const auto& cell : row) n += cell ? cell->size() : 0;
      }
    }
  }
  return n;
}

Result<core::Epoch> stored_epoch_for(core::Epoch reported, std::uint64_t generation) {
  if (reported.value() == 0) return fail(errc::invalid_request);
  if (generation == 0) return reported;
  const std::uint64_t stored = unmix(reported.value()) ^ mix(generation);
  if (stored == 0 || epoch_in_generation(core::Epoch{stored}, generation) != reported) {
    return fail(errc::invalid_request);
  }
  return core::Epoch{stored};
}

Result<std::optional<std::string>> owner_of(Connection& conn, core::UserId user) {
  auto rows = conn.query_one("SELECT owner FROM queue_owner WHERE user_id = " + num(user.value()));
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<std::string>{};
  return std::optional<std::string>{std::string(rows->bytes(0, 0))};
}

Result<void> fence_user(Connection& conn, core::UserId user, std::string_view owner, std::chrono::seconds lock_wait) {
  // The highest term: no claim is ever above it, so no server of this cell takes the user back.
  return conn.execute("SET STATEMENT innodb_lock_wait_timeout = " + num(std::max<std::int64_t>(1, lock_wait.count())) +
                      " FOR INSERT INTO queue_owner (user_id, owner, term) VALUES (" + num(user.value()) + ',' +
                      hex(owner) + ',' + num(std::numeric_limits<std::uint64_t>::max()) +
                      ") ON DUPLICATE KEY UPDATE owner = VALUES(owner), term = VALUES(term)");
}

Result<void> unfence_user(Connection& conn, core::UserId user, std::string_view owner) {
  return conn.execute("DELETE FROM queue_owner WHERE user_id = " + num(user.value()) + " AND owner = " + hex(owner));
}

Result<UserRows> export_user(Connection& conn, core::UserId user, std::uint64_t max_bytes) {
  const std::string u = num(user.value());
  auto history = columns_of(conn, kHistoryTables);
  if (!history) return fail(history.error());
  auto social = columns_of(conn, kSocialTables);
  if (!social) return fail(social.error());
  std::string history_size;
  for (const auto& t : *history) {
    std::string sum;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      sum += (i ? "+" : "") + std::string("COALESCE(LENGTH(`") + t.columns[i] + "`), 0)";
    }
    history_size += " + (SELECT COALESCE(SUM(" + sum + "), 0) FROM " + t.name + " WHERE " +
                    where_of(kHistoryTables[&t - history->data()], u) + ")";
  }
  // One read view for every table: the size check and the rows agree.
  auto r = conn.query(
      "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY;"
      "SELECT (SELECT COALESCE(SUM(LENGTH(record)), 0) FROM queue_updates WHERE user_id = " + u +
      ") + (SELECT COALESCE(SUM(LENGTH(record)), 0) FROM queue_idempotency WHERE sender = " + u +
      ") + (SELECT COALESCE(SUM(LENGTH(record) + LENGTH(recipients)), 0) FROM queue_fanout WHERE sender = " + u +
      ")" + history_size + ";SELECT q.epoch, q.first_seq, q.head_seq, COALESCE(g.generation, 0) FROM queue_meta q "
      "LEFT JOIN failover_generation g ON g.id = 1 WHERE q.user_id = " + u);
  if (!r) return fail(r.error());
  if (r->size() < 3) return fail(errc::unavailable);
  auto size = (*r)[1].u64(0, 0);
  if (!size) return fail(size.error());
  if (*size > max_bytes) {
    (void)conn.execute("ROLLBACK");
    return fail(errc::overloaded);
  }
  UserRows out;
  out.user = user;
  const Rows& meta = (*r)[2];
  if (!meta.empty()) {
    auto epoch = meta.u64(0, 0), first = meta.u64(0, 1), head = meta.u64(0, 2), gen = meta.u64(0, 3);
    if (!epoch || !first || !head || !gen) return fail(errc::corrupt_record);
    out.epoch = epoch_in_generation(core::Epoch{*epoch}, *gen);
    out.first_seq = *first;
    out.head_seq = *head;
  }
  const std::string history_sql = select_rows(*history, kHistoryTables, u);
  const std::string social_sql = select_rows(*social, kSocialTables, u);
  auto rest = conn.query("SELECT seq, actor, record FROM queue_updates WHERE user_id = " + u + " ORDER BY seq;" +
                         "SELECT name, seq FROM queue_cursors WHERE user_id = " + u + ';' +
                         "SELECT client_hi, client_lo, record FROM queue_idempotency WHERE sender = " + u + ';' +
                         "SELECT seq, recipients, record FROM queue_fanout WHERE sender = " + u + ';' + history_sql +
                         social_sql + "COMMIT");
  if (!rest) return fail(rest.error());
  if (rest->size() < 4 + history->size() + social->size()) return fail(errc::unavailable);
  if (auto took = take_rows(*history, *rest, 4); !took) return fail(took.error());
  if (auto took = take_rows(*social, *rest, 4 + history->size()); !took) return fail(took.error());
  out.history = std::move(*history);
  out.social = std::move(*social);
  const auto& ups = (*rest)[0];
  for (std::size_t i = 0; i < ups.size(); ++i) {
    auto seq = ups.u64(i, 0), actor = ups.u64(i, 1);
    if (!seq || !actor) return fail(errc::corrupt_record);
    out.updates.push_back({*seq, *actor, std::string(ups.bytes(i, 2))});
  }
  const auto& cur = (*rest)[1];
  for (std::size_t i = 0; i < cur.size(); ++i) {
    auto seq = cur.u64(i, 1);
    if (!seq) return fail(errc::corrupt_record);
    out.cursors.push_back({std::string(cur.bytes(i, 0)), *seq});
  }
  const auto& idem = (*rest)[2];
  for (std::size_t i = 0; i < idem.size(); ++i) {
    auto hi = idem.u64(i, 0), lo = idem.u64(i, 1);
    if (!hi || !lo) return fail(errc::corrupt_record);
    out.idempotency.push_back({*hi, *lo, std::string(idem.bytes(i, 2))});
  }
  const auto& fan = (*rest)[3];
  for (std::size_t i = 0; i < fan.size(); ++i) {
    auto seq = fan.u64(i, 0);
    if (!seq) return fail(errc::corrupt_record);
    out.fanout.push_back({*seq, std::string(fan.bytes(i, 1)), std::string(fan.bytes(i, 2))});
  }
  return out;
}

namespace {

Result<void> import_in_transaction(Connection& conn, const UserRows& rows) {
  const std::string u = num(rows.user.value());
  // The generation is read, and its row locked, inside the transaction: a promotion raising
  // it waits for the copy, so the stored epoch is computed from the generation it is read under.
  auto gen = conn.query(
      "START TRANSACTION;"
      "SELECT COALESCE(MAX(generation), 0) FROM failover_generation FOR UPDATE;"
      "DELETE FROM queue_meta WHERE user_id = " + u + ";DELETE FROM queue_updates WHERE user_id = " + u +
      ";DELETE FROM queue_cursors WHERE user_id = " + u + ";DELETE FROM queue_idempotency WHERE sender = " + u +
      ";DELETE FROM queue_fanout WHERE sender = " + u + ";DELETE FROM queue_owner WHERE user_id = " + u);
  if (!gen) return fail(gen.error());
  if (gen->size() < 2) return fail(errc::unavailable);
  auto generation = (*gen)[1].u64(0, 0);
  if (!generation) return fail(generation.error());
  if (rows.epoch.value() != 0) {
    auto stored = stored_epoch_for(rows.epoch, *generation);
    if (!stored) return fail(stored.error());
    if (auto r = conn.execute("INSERT INTO queue_meta (user_id, epoch, first_seq, head_seq) VALUES (" + u + ',' +
                              num(stored->value()) + ',' + num(rows.first_seq) + ',' + num(rows.head_seq) + ')');
        !r) {
      return r;
    }
  }
  BatchedInsert updates(conn, "INSERT INTO queue_updates (user_id, seq, actor, record) VALUES ");
  for (const auto& x : rows.updates) {
    if (auto r = updates.add('(' + u + ',' + num(x.seq) + ',' + num(x.actor) + ',' + hex(x.record) + ')'); !r) return r;
  }
  if (auto r = updates.flush(); !r) return r;
  BatchedInsert cursors(conn, "INSERT INTO queue_cursors (user_id, name, seq) VALUES ");
  for (const auto& x : rows.cursors) {
    if (auto r = cursors.add('(' + u + ',' + hex(x.name) + ',' + num(x.seq) + ')'); !r) return r;
  }
  if (auto r = cursors.flush(); !r) return r;
  BatchedInsert idem(conn, "INSERT INTO queue_idempotency (sender, client_hi, client_lo, record) VALUES ");
  for (const auto& x : rows.idempotency) {
    if (auto r = idem.add('(' + u + ',' + num(x.client_hi) + ',' + num(x.client_lo) + ',' + hex(x.record) + ')'); !r) {
      return r;
    }
  }
  if (auto r = idem.flush(); !r) return r;
  BatchedInsert fan(conn, "INSERT INTO queue_fanout (sender, seq, recipients, record) VALUES ");
  for (const auto& x : rows.fanout) {
    if (auto r = fan.add('(' + u + ',' + num(x.seq) + ',' + hex(x.recipients) + ',' + hex(x.record) + ')'); !r) return r;
  }
  if (auto r = fan.flush(); !r) return r;
  if (auto r = write_tables(conn, rows.history, kHistoryTables, u); !r) return r;
  if (auto r = write_tables(conn, rows.social, kSocialTables, u); !r) return r;
  return conn.execute("COMMIT");
}

}  // namespace

Result<void> import_user(Connection& conn, const UserRows& rows) {
  if (auto schema = ensure_queue_schema(conn); !schema) return schema;
  // DDL commits by itself in MariaDB: the history tables are made before the copy's
  // transaction, as the target's own history store would make them at its first write.
  if (!rows.history.empty()) {
    if (auto schema = detail::prepare_history_schema(conn); !schema) return schema;
  }
  if (!rows.social.empty()) {
    if (auto schema = ensure_social_schema(conn); !schema) return schema;
  }
  auto done = import_in_transaction(conn, rows);
  // Nothing of a failed copy stays: the whole transaction is rolled back (or, on a broken
  // connection, by the server when it closes).
  if (!done && !conn.broken()) (void)conn.execute("ROLLBACK");
  return done;
}

}  // namespace iris::store::mariadb
