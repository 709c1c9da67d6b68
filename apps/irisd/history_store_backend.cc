#include "apps/irisd/history_store_backend.h"

#include <fmt/format.h>

#include "store/mariadb/mariadb_history_store.h"
#include "store/sqlite/sqlite_history_store.h"

namespace iris::irisd {

std::unique_ptr<store::HistoryStore> open_history_store(const Config& config) {
  if (config.history_backend == HistoryBackend::mariadb) return store::open_mariadb_history_store(config.mariadb);
  return store::open_sqlite_history_store(config.history);
}

std::string describe_history_store(const Config& config) {
  if (config.history_backend == HistoryBackend::mariadb) {
    return fmt::format("MariaDB {} at {}", config.mariadb.database, fmt::join(config.mariadb.servers, ","));
  }
  return "SQLite at " + config.history.path;
}

}  // namespace iris::irisd
