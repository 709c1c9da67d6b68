#pragma once
// An in-memory HistoryStore: the model the SQLite backend is checked against, and a store
// for tests that need no disk. Nothing survives the process. Thread-safe through one mutex.

#include <memory>

#include "store/history_store.h"

namespace iris::store {

std::unique_ptr<HistoryStore> make_memory_history_store();

}  // namespace iris::store
