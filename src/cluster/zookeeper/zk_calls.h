#pragma once
// The few ZooKeeper C-client calls that the server's adapter (zk_coordinator.h) and the
// operators' tools (zk_admin.h) make the same way: quieting the library's own
// log, and reading one node's data with a bounded buffer.

#include <string>

#include "base/result.h"

typedef struct _zhandle zhandle_t;

namespace iris::cluster::zk {

// Node data larger than this is not ours: a member's node is a few lines unless it lists
// its tokens (17 bytes each, at most membership.h's kMaxTokens).
int max_node_bytes();

// Sends the C client's log lines to Iris's log at the debug level, once per process: the
// library logs each failed reconnect attempt (about 30 a second while the ensemble is away)
// as an error, while the callers themselves say what matters.
void quiet_client_log();
void client_log(const char* message);

// A name that can be one znode of a path: a cell's name, a member's, a user's override
// target (1..255 bytes, no '/', not "." or "..").
bool plain_name(const std::string& name);

// The data of `path`; coordinator_unavailable with the ZooKeeper return code in `rc` when
// it cannot be read (ZNONODE: it does not exist).
Result<std::string> get_data(zhandle_t* zh, const std::string& path, int& rc);

}  // namespace iris::cluster::zk
