#include "store/mariadb/social_schema.h"

#include "store/mariadb/queue_schema.h"

namespace iris::store::mariadb {
namespace {

// Version 1: the SQLite store's three tables (sqlite_social_store.cc), with unsigned ids. A
// default is no row: relation none, group-add setting never chosen, folder inbox. Never
// change a released version's tables: add a version and its migration.
constexpr const char* kCreate =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "  component VARCHAR(32) NOT NULL PRIMARY KEY,"
    "  version INT UNSIGNED NOT NULL"
    ") ENGINE=InnoDB;"
    // What `other` is to `owner`: 1 contact, 2 blocked. Read by primary key on every send
    // (owner IN the recipients, other = the sender).
    "CREATE TABLE IF NOT EXISTS social_relations ("
    "  owner BIGINT UNSIGNED NOT NULL,"
    "  other BIGINT UNSIGNED NOT NULL,"
    "  relation TINYINT UNSIGNED NOT NULL,"
    "  PRIMARY KEY (owner, other)"
    ") ENGINE=InnoDB;"
    // `owner`'s group-add setting as chosen (0 contacts, 1 anyone, 2 nobody).
    "CREATE TABLE IF NOT EXISTS social_settings ("
    "  owner BIGINT UNSIGNED NOT NULL PRIMARY KEY,"
    "  group_add TINYINT UNSIGNED NOT NULL"
    ") ENGINE=InnoDB;"
    // `owner`'s threads not in the inbox: 1 requests, 2 archived.
    "CREATE TABLE IF NOT EXISTS social_folders ("
    "  owner BIGINT UNSIGNED NOT NULL,"
    "  thread BIGINT UNSIGNED NOT NULL,"
    "  folder TINYINT UNSIGNED NOT NULL,"
    "  PRIMARY KEY (owner, thread)"
    ") ENGINE=InnoDB;"
    "INSERT INTO schema_version (component, version) VALUES ('social', 1) "
    "ON DUPLICATE KEY UPDATE version = GREATEST(version, 1)";

}  // namespace

Result<void> ensure_social_schema(Connection& conn) {
  // Read the version first: a newer schema's tables must not be touched at all.
  if (auto r = refuse_newer_schema(conn, "social", kSocialSchemaVersion); !r) return r;
  return conn.execute(kCreate);
}

}  // namespace iris::store::mariadb
