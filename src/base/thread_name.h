#pragma once
// Names the calling thread for the operator: `top -H`, `ps -L`, perf and gdb show it (Linux
// keeps 15 characters; longer names are cut). Iris's threads are named `iris-` + their part:
// iris-net-N (one per MQTT/HTTP shard), iris-commit (the queue store's group commits),
// iris-history (the history writer), iris-retention (the trimmer).

namespace iris {

void name_this_thread(const char* name);

}  // namespace iris
