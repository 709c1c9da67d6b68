#pragma once
// What `irisctl cells` shows: every cell with its live servers (from ZooKeeper), each
// server's figures (from its /metrics), the users it owns (by the ring, over the users the
// store holds) and the MariaDB pair's roles and replication state.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/server_info.h"

namespace iris::ops {

struct ServerReport {
  cluster::ServerInfo info;
  double ring_share = 0;                 // of the 64-bit space
  std::optional<std::uint64_t> users;    // owned, of the store's users (when the store was read)
  bool metrics_ok = false;               // its /metrics answered
  std::string metrics_error;
  std::optional<double> connections, devices, store_writable, history_lag_s, history_users_behind;
};

struct CellReport {
  std::string name;
  std::uint32_t tokens_per_server = 0;   // 0: the cell node does not decode
  bool enabled = true;                   // takes new users
  std::vector<ServerReport> servers;
  std::vector<std::string> unreadable_members;
};

struct DbServerReport {
  std::string address;
  bool reachable = false;
  std::string error;
  std::string role;                      // primary (read_only = 0) or replica
  bool semisync_on = false;              // primary side: waiting for acks, not fallen back
  std::uint64_t semisync_no_tx = 0;      // commits acknowledged without the replica's ack
  std::uint64_t semisync_clients = 0;
  std::string binlog_pos, io_running;
  bool sql_running = false;
};

struct DeploymentReport {
  std::string zookeeper;
  std::vector<CellReport> cells;
  std::vector<DbServerReport> database;  // empty when no --mariadb was given
  std::optional<std::uint64_t> store_users;  // users with a queue, when the store was read
  bool store_users_truncated = false;
};

std::string render_text(const DeploymentReport& report);
std::string render_json(const DeploymentReport& report);

}  // namespace iris::ops
