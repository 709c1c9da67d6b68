#pragma once
// What the chaos test's devices connect to and what it kills (tests/client/client_chaos_test.cc):
// one irisd, or a cell of three (issue 18: a standalone ZooKeeper from scripts/zookeeper, the
// MariaDB pair from scripts/mariadb, three irisd joined to one cell with one token secret).
// Everything is started here and stopped by PID when the object goes.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/client/irisd_process.h"

namespace iris::testing {

class ChaosServers {
 public:
  virtual ~ChaosServers() = default;
  // The test's two people.
  virtual std::pair<std::uint64_t, std::uint64_t> users() const { return {1, 2}; }
  // A running server: device tokens; the proxy and the truth devices connect to it.
  virtual const IrisdProcess& any() const = 0;
  // kill -9 of one server (in a cell, the next in turn, once the survivors took its users),
  // started again `pause` later.
  virtual void kill_one_and_restart(std::chrono::milliseconds pause) = 0;
  std::uint16_t mqtt_port() const { return any().mqtt_port(); }
};

class OneIrisd final : public ChaosServers {
 public:
  OneIrisd();
  const IrisdProcess& any() const override { return s_; }
  void kill_one_and_restart(std::chrono::milliseconds pause) override;

 private:
  IrisdProcess s_;
};

class CellOfThree final : public ChaosServers {
 public:
  // Null when ZooKeeper or MariaDB is not installed (the test is skipped); fails the test
  // when they are and do not start.
  static std::unique_ptr<CellOfThree> start();
  ~CellOfThree() override;

  // Two users with one owner in the whole cell and in each ring of two (after any one kill),
  // so the test's threads never span servers.
  std::pair<std::uint64_t, std::uint64_t> users() const override { return users_; }
  const IrisdProcess& any() const override;
  void kill_one_and_restart(std::chrono::milliseconds pause) override;

 private:
  CellOfThree() = default;
  void wait_members(std::size_t n) const;

  std::string dir_;
  int zk_pid_ = -1;
  std::vector<std::unique_ptr<IrisdProcess>> servers_;
  std::size_t next_kill_ = 0;
  std::pair<std::uint64_t, std::uint64_t> users_{1, 2};
};

}  // namespace iris::testing
