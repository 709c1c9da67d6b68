#pragma once
// A steady load of acknowledged writes for failover tests and the failover benchmark: seq
// 1, 2, 3 ... one row per autocommit INSERT into `table` (seq BIGINT PRIMARY KEY), on
// whichever server of the pair is writable. A seq counts as acknowledged only when the server
// said OK, or when, retried after an unknown outcome (lost connection, timeout), it is
// already there (duplicate key). So after any failure: rows 1..acked() must all be present.

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dbpair/admin_connection.h"

namespace iris::dbpair::testing {

class AckingWriter {
 public:
  using Clock = std::chrono::steady_clock;
  AckingWriter(std::vector<ServerAddress> servers, AdminOptions app, std::string table)
      : servers_(std::move(servers)), app_(std::move(app)), table_(std::move(table)) {}
  ~AckingWriter() { stop(); }

  void start();
  void stop();
  std::uint64_t acked() const { return acked_.load(); }
  // From now on, remember when the first new write is acknowledged.
  void mark();
  std::optional<std::chrono::milliseconds> since_mark() const;

 private:
  std::optional<AdminConnection> writable();
  void loop(std::stop_token stop);

  std::vector<ServerAddress> servers_;
  AdminOptions app_;
  std::string table_;
  std::atomic<std::uint64_t> acked_{0};
  std::atomic<Clock::rep> mark_{0};
  std::atomic<Clock::rep> first_after_mark_{0};
  std::jthread thread_;
};

}  // namespace iris::dbpair::testing
