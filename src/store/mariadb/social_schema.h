#pragma once
// The MariaDB social store's tables (docs/STORAGE_FORMAT.md "Social store"), and the version
// check made before first use. The version is the 'social' row of `schema_version` (the table
// the queue schema made for one row per component), so the social tables share a database
// with the queue and history tables. A database whose 'social' version is newer than
// kSocialSchemaVersion was written by a newer irisd: refused, never guessed at.

#include <cstdint>

#include "base/result.h"
#include "store/mariadb/connection.h"

namespace iris::store::mariadb {

inline constexpr std::uint32_t kSocialSchemaVersion = 1;

// Creates the tables if missing and records the version; open_failed (logged, naming both
// versions) if the database holds a newer social schema, unavailable if the server failed.
Result<void> ensure_social_schema(Connection& conn);

}  // namespace iris::store::mariadb
