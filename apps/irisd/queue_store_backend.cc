#include "apps/irisd/queue_store_backend.h"

#include <fmt/format.h>

#include "store/mariadb/mariadb_queue_store.h"
#include "store/rocksdb/rocksdb_queue_store.h"

namespace iris::irisd {

Result<std::unique_ptr<store::QueueStore>> open_queue_store(const Config& config) {
  switch (config.store_backend) {
    case StoreBackend::mariadb: return store::open_mariadb_queue_store(config.store, config.mariadb);
    case StoreBackend::rocksdb: break;
  }
  return store::open_rocksdb_queue_store(config.store);
}

std::string describe_queue_store(const Config& config) {
  if (config.store_backend == StoreBackend::mariadb) {
    return fmt::format("MariaDB {} at {}", config.mariadb.database, fmt::join(config.mariadb.servers, ","));
  }
  return "RocksDB at " + config.store.path;
}

}  // namespace iris::irisd
