#pragma once
// ConnectionPool: connections to the writable server of a MariaDB pair, for any thread.
//
// find_writable connects to each configured server in turn, starting with the one that was
// writable last time, and keeps the first whose `@@read_only` is 0. The pool hands out up to
// `pool_size` such connections (more callers wait), drops a connection that broke, and drops
// every idle one when anyone reports that the writable server changed (a failover), so a
// reader never keeps reading a fenced old primary that no longer receives writes.
//
// While the last search found no writable server (for MariaDbOptions::retry_backoff after
// it), pooled uses fail with unavailable at once instead of searching again: a reader on an
// event-loop thread never waits out connect timeouts on every read of a dead database.
//
// Thread-safe. Connections are made lazily: a pool for a down database constructs fine, and
// each use fails with store::errc::unavailable until a writable server answers.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/result.h"
#include "store/errc.h"
#include "store/mariadb/connection.h"
#include "store/mariadb/mariadb_options.h"

namespace iris::store::mariadb {

class ConnectionPool {
 public:
  // Requires: options.servers parse (parse_server); the app validates them at startup.
  explicit ConnectionPool(MariaDbOptions options);

  const MariaDbOptions& options() const { return options_; }

  // A new connection to the writable server (for a thread that keeps its own, like a commit
  // thread), or unavailable if no configured server is writable now. If the writable server
  // is another than last time, idle pooled connections are dropped.
  Result<Connection> find_writable();

  // Runs `fn(Connection&)` on a pooled connection to the writable server and returns what it
  // returns (a Result). unavailable, without calling fn, if none can be had. If a connection
  // taken from the pool turns out broken (the server restarted since it was last used), fn
  // runs once more on a new one: fn must be safe to repeat (reads are).
  template <typename F>
  auto with_connection(F&& fn) -> std::invoke_result_t<F, Connection&> {
    for (int attempt = 0;; ++attempt) {
      auto lease = acquire();
      if (!lease) return fail(lease.error());
      auto result = fn(lease->conn);
      const bool retry = !result && lease->conn.broken() && lease->reused && attempt == 0;
      release(std::move(lease->conn), lease->generation);
      if (!retry) return result;
    }
  }

 private:
  struct Lease {
    Connection conn;
    std::uint64_t generation;  // of the writable server it was made for
    bool reused;               // taken from the idle list, not just made
  };
  Result<Lease> acquire();
  void release(Connection conn, std::uint64_t generation);

  const MariaDbOptions options_;
  std::vector<ServerAddress> servers_;
  std::atomic<std::size_t> hint_{0};  // index of the server found writable last
  // Until when (steady_clock ticks) pooled reads fail at once: set when a search found no
  // writable server (for MariaDbOptions::retry_backoff), cleared when one does.
  std::atomic<std::chrono::steady_clock::rep> down_until_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Connection> idle_;      // guarded by mu_
  std::size_t in_use_ = 0;            // guarded by mu_
  std::uint64_t generation_ = 0;      // guarded by mu_; bumped when the writable server changes
  std::vector<std::uint64_t> idle_generation_;  // guarded by mu_; parallel to idle_
};

}  // namespace iris::store::mariadb
