#pragma once
// The MariaDB queue store's tables (docs/STORAGE_FORMAT.md, "Queue store on MariaDB"), and
// the schema version check made at open.
//
// `schema_version` holds one row per component ('queue' here; the history store adds its
// own), so two stores can share a database. A database whose 'queue' version is newer than
// kQueueSchemaVersion was written by a newer irisd: it is refused at open, never guessed at.

#include <cstdint>
#include <string_view>

#include "base/result.h"
#include "core/ids.h"
#include "store/mariadb/connection.h"

namespace iris::store::mariadb {

inline constexpr std::uint32_t kQueueSchemaVersion = 2;

// Longest cursor name stored (bytes); a longer one is refused with invalid_request.
inline constexpr std::size_t kMaxCursorName = 255;

// The epoch a queue reports: its stored epoch, mixed with the pair's failover generation
// (table failover_generation, row id 1, raised by the failover monitor and `irisd db promote`
// when a promotion could have lost an acknowledged write). Generation 0 leaves epochs as
// stored; any other gives every queue a new, nonzero epoch, so every device resyncs instead
// of silently missing what was lost.
core::Epoch epoch_in_generation(core::Epoch stored, std::uint64_t generation);

// Creates the tables if missing and records the version; open_failed (logged, naming both
// versions) if the database holds a newer queue schema, unavailable if the server failed.
Result<void> ensure_queue_schema(Connection& conn);

// open_failed (logged, naming both versions) when `schema_version` records a version of
// `component` newer than `known`: a newer irisd's tables, never to be touched. Success when
// the table or the row is missing (nothing written yet) or the version is not newer.
Result<void> refuse_newer_schema(Connection& conn, std::string_view component, std::uint64_t known);

}  // namespace iris::store::mariadb
