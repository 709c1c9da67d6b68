#pragma once
// Opens the queue store that `store.backend` names (RocksDB or MariaDB), for the server and
// the admin commands alike.

#include <memory>
#include <string>

#include "apps/irisd/config.h"
#include "base/result.h"
#include "store/queue_store.h"

namespace iris::irisd {

Result<std::unique_ptr<store::QueueStore>> open_queue_store(const Config& config);

// Where the queue store is, for log lines and error messages: "RocksDB at data/queue",
// "MariaDB iris at 10.0.0.1:3306,10.0.0.2:3306".
std::string describe_queue_store(const Config& config);

}  // namespace iris::irisd
