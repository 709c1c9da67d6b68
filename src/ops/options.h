#pragma once
// What a deployment report reads (ZooKeeper, the MariaDB pair) and how long it waits for each
// part; irisctl's command line fills it (apps/irisctl/cli.h), irisd's admin page too.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace iris::ops {

struct Options {
  std::vector<std::string> command;  // e.g. {"cells"}, {"user", "where", "42"}
  std::string zookeeper = "127.0.0.1:2181";
  std::string root = "/iris";
  std::string mariadb;               // "host:port,host:port"; empty: the store is not read
  std::string admin_user = "root";
  std::string admin_password;
  std::string database = "iris";
  std::chrono::milliseconds timeout{2000};
  std::size_t last = 20;             // audit entries shown
  std::size_t max_users = 1000000;   // users read from the store to count each server's share
  // user move: each cell's store, "host:port[,host:port][/database]" by cell name (the
  // database defaults to `database`), the most bytes of records copied, and how long the
  // fence may wait for an append in flight.
  std::map<std::string, std::string> stores;
  std::uint64_t max_move_bytes = 256ull << 20;
  std::chrono::seconds fence_wait{5};
  bool json = false;
  bool help = false;
};

}  // namespace iris::ops
