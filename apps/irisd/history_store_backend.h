#pragma once
// Opens the history store that `history.backend` names (SQLite or MariaDB), for the server and
// the admin commands alike. Neither fails: an unreachable store is an unavailable one, and the
// history writer waits for it (docs/STORAGE_FORMAT.md).

#include <memory>
#include <string>

#include "apps/irisd/config.h"
#include "store/history_store.h"

namespace iris::irisd {

std::unique_ptr<store::HistoryStore> open_history_store(const Config& config);

// Where the history store is, for log lines and messages: "SQLite at data/history",
// "MariaDB iris at 10.0.0.1:3306,10.0.0.2:3306".
std::string describe_history_store(const Config& config);

}  // namespace iris::irisd
