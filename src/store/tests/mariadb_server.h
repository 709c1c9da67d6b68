#pragma once
// A throwaway MariaDB server for tests: `mariadb-install-db --no-defaults --user=root` into a
// fresh directory, then `mariadbd --no-defaults --user=root` on a free loopback port, stopped
// by its PID (SIGTERM, then SIGKILL after a bounded wait) and its directory removed.
// Start one per test binary (MariaDbServer::shared()), not per case: a start takes ~2-3 s.
//
// Each test gets a database of its own (fresh_database) and connects as `iris`, an account
// without SUPER or READ_ONLY ADMIN, so a read-only server refuses it as it refuses irisd.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "store/mariadb/mariadb_options.h"

namespace iris::store::testing {

class MariaDbServer {
 public:
  // Whether mariadb-install-db and mariadbd are installed (else tests skip).
  static bool binaries_present();
  // Starts a server; nullptr (and `why` says why) if it could not.
  static std::unique_ptr<MariaDbServer> start(std::string& why);
  // The server shared by the whole test binary, started at first use and stopped at exit;
  // nullptr if it could not start (the reason is printed once).
  static MariaDbServer* shared();

  ~MariaDbServer();
  MariaDbServer(const MariaDbServer&) = delete;
  MariaDbServer& operator=(const MariaDbServer&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Options for the `iris` account on `database` at this server.
  MariaDbOptions options(const std::string& database) const;
  // Creates a new empty database (iris_test_<n>) and returns its name.
  std::string fresh_database();
  // Runs SQL as root (e.g. SET GLOBAL read_only = 1); false if it failed.
  bool admin(const std::string& sql);

  // Waits (bounded by `timeout`) until no session uses `database`: a client killed with
  // SIGKILL may leave a statement batch running (its COMMIT included) until the server
  // notices the connection is gone. False if sessions remain.
  bool wait_for_no_sessions(const std::string& database, std::chrono::milliseconds timeout);

  // Kills the server with SIGKILL (a crash: InnoDB recovers at the next start).
  void kill9();
  // Starts the server again on the same port and data; false (and `why`) if it did not.
  bool restart(std::string& why);

 private:
  MariaDbServer() = default;
  bool launch(std::string& why);
  bool run_server(std::string& why);
  void stop();

  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  int databases_ = 0;
};

}  // namespace iris::store::testing
