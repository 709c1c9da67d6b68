#include "store/mariadb/queue_schema.h"

#include "base/log.h"
#include "store/errc.h"

namespace iris::store::mariadb {
namespace {

// Version 2 (1 + queue_owner). Never change a released version's tables: add a version and
// its migration. 1 -> 2 is only the new table, created if missing below: a version-1
// database is upgraded in place, and a version-1 irisd then refuses it (it would not fence).
constexpr const char* kCreate =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "  component VARCHAR(32) NOT NULL PRIMARY KEY,"
    "  version INT UNSIGNED NOT NULL"
    ") ENGINE=InnoDB;"
    // One row per queue.
    "CREATE TABLE IF NOT EXISTS queue_meta ("
    "  user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,"
    "  epoch BIGINT UNSIGNED NOT NULL,"
    "  first_seq BIGINT UNSIGNED NOT NULL,"
    "  head_seq BIGINT UNSIGNED NOT NULL"
    ") ENGINE=InnoDB;"
    // record: the update as store/detail/record_codec.h encodes it (version byte first);
    // actor repeats Update::actor for the per-sender share's count.
    "CREATE TABLE IF NOT EXISTS queue_updates ("
    "  user_id BIGINT UNSIGNED NOT NULL,"
    "  seq BIGINT UNSIGNED NOT NULL,"
    "  actor BIGINT UNSIGNED NOT NULL,"
    "  record MEDIUMBLOB NOT NULL,"
    "  PRIMARY KEY (user_id, seq)"
    ") ENGINE=InnoDB;"
    "CREATE TABLE IF NOT EXISTS queue_cursors ("
    "  user_id BIGINT UNSIGNED NOT NULL,"
    "  name VARBINARY(255) NOT NULL,"
    "  seq BIGINT UNSIGNED NOT NULL,"
    "  PRIMARY KEY (user_id, name)"
    ") ENGINE=InnoDB;"
    // record: the idempotency record as record_codec.h encodes it.
    "CREATE TABLE IF NOT EXISTS queue_idempotency ("
    "  sender BIGINT UNSIGNED NOT NULL,"
    "  client_hi BIGINT UNSIGNED NOT NULL,"
    "  client_lo BIGINT UNSIGNED NOT NULL,"
    "  record BLOB NOT NULL,"
    "  PRIMARY KEY (sender, client_hi, client_lo)"
    ") ENGINE=InnoDB;"
    // Pending fan-out (queue_store.h FanoutNote): one row per update of `sender`'s queue at
    // `seq` that participants owned by other servers of the cell have not all confirmed.
    // recipients: their user ids, 8 bytes little-endian each; record: the update as
    // record_codec.h encodes it. Added beside version 1's tables (a table an older irisd
    // never reads), created on open like them.
    "CREATE TABLE IF NOT EXISTS queue_fanout ("
    "  sender BIGINT UNSIGNED NOT NULL,"
    "  seq BIGINT UNSIGNED NOT NULL,"
    "  recipients VARBINARY(8192) NOT NULL,"
    "  record MEDIUMBLOB NOT NULL,"
    "  PRIMARY KEY (sender, seq)"
    ") ENGINE=InnoDB;"
    // Written by the failover tools (src/dbpair), read here: see epoch_in_generation.
    "CREATE TABLE IF NOT EXISTS failover_generation ("
    "  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,"
    "  generation BIGINT UNSIGNED NOT NULL"
    ") ENGINE=InnoDB;"
    // Ownership claims (docs/CLUSTER.md "Ownership and fencing", detail/owner_fence.h): the
    // cell member that owns the user and the term (membership version) it claimed it at.
    // Read FOR UPDATE by every fenced append transaction.
    "CREATE TABLE IF NOT EXISTS queue_owner ("
    "  user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,"
    "  owner VARBINARY(255) NOT NULL,"
    "  term BIGINT UNSIGNED NOT NULL"
    ") ENGINE=InnoDB;"
    "INSERT INTO schema_version (component, version) VALUES ('queue', 2) "
    "ON DUPLICATE KEY UPDATE version = GREATEST(version, 2)";

// SplitMix64's finalizer: a bijection, so distinct inputs keep distinct epochs.
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

core::Epoch epoch_in_generation(core::Epoch stored, std::uint64_t generation) {
  if (generation == 0 || stored.value() == 0) return stored;
  const std::uint64_t e = mix(stored.value() ^ mix(generation));
  return core::Epoch{e == 0 ? 1 : e};
}

Result<void> refuse_newer_schema(Connection& conn, std::string_view component, std::uint64_t known) {
  auto existing = conn.query_one(
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND "
      "table_name = 'schema_version'");
  if (!existing) return fail(existing.error());
  if (existing->u64(0, 0).value_or(0) == 0) return {};
  // `component` is one of this file's constants, never a client's text.
  auto rows = conn.query_one("SELECT version FROM schema_version WHERE component = '" + std::string(component) + "'");
  if (!rows) return fail(rows.error());
  if (rows->empty()) return {};
  auto v = rows->u64(0, 0);
  if (!v) return fail(v.error());
  if (*v > known) {
    IRIS_LOG(error, "store",
             "MariaDB database at {} holds {} schema version {}, newer than this irisd knows ({}): refusing "
             "to open it; run the irisd that wrote it, or a newer one",
             conn.server().str(), component, *v, known);
    return fail(errc::open_failed);
  }
  return {};
}

Result<void> ensure_queue_schema(Connection& conn) {
  // Read the version first: a newer schema's tables must not be touched at all.
  if (auto r = refuse_newer_schema(conn, "queue", kQueueSchemaVersion); !r) return r;
  return conn.execute(kCreate);
}

}  // namespace iris::store::mariadb
