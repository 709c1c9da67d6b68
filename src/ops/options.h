#pragma once
// What a deployment report reads (ZooKeeper, the MariaDB pair) and how long it waits for each
// part; irisctl's command line fills it (apps/irisctl/cli.h), irisd's admin page too.

#include <chrono>
#include <cstdint>
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
  // user move: the target cell's MariaDB pair ("host:port,host:port"; --mariadb is the
  // user's current cell's), the most bytes of records copied, and how long the fence may
  // wait for an append in flight.
  std::string to_mariadb;
  std::uint64_t max_move_bytes = 256ull << 20;
  std::chrono::seconds fence_wait{5};
  bool json = false;
  bool help = false;
};

}  // namespace iris::ops
