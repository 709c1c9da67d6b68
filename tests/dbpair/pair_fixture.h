#pragma once
// A real MariaDB pair for the failover tests: started once per suite with scripts/mariadb in
// a fresh directory, stopped by PID at the end. Tests skip when mariadbd is not installed
// (scripts/setup-deps installs it; CI has it).

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include "dbpair/admin_connection.h"

namespace iris::dbpair::testing {

class PairFixture {
 public:
  // Runs `scripts/mariadb ARGS --dir <dir>`; returns its stdout, or nullopt on failure.
  std::optional<std::string> script(const std::string& args);
  bool up();
  void down();

  const std::vector<ServerAddress>& servers() const { return servers_; }
  // The PID of db1 or db2 as scripts/mariadb last recorded it (0 if stopped or unknown).
  int pid(const std::string& name) const;
  AdminOptions admin() const;  // root, no password
  AdminOptions app() const;    // iris/iris: refused by a read-only server
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::vector<ServerAddress> servers_;
};

bool mariadb_installed();

// Waits (bounded) until `done` is true; false on timeout.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace iris::dbpair::testing
