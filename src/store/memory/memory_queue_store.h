#pragma once
// An in-memory QueueStore over core::UserQueue: the model that the durable backends are
// checked against, and a store for tests that need no disk. Nothing survives the process.
// Thread-safe through one mutex; callbacks run inline on the calling thread, after the lock
// is released.

#include <memory>

#include "store/queue_store.h"
#include "store/store_options.h"

namespace iris::store {

std::unique_ptr<QueueStore> make_memory_queue_store(const StoreOptions& options = {});

}  // namespace iris::store
