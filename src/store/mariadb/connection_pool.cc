#include "store/mariadb/connection_pool.h"

#include "base/assert.h"
#include "base/log.h"

namespace iris::store::mariadb {

ConnectionPool::ConnectionPool(MariaDbOptions options) : options_(std::move(options)) {
  for (const auto& s : options_.servers) {
    auto parsed = parse_server(s);
    IRIS_ASSERT(parsed.has_value(), "mariadb server addresses are validated by the app");
    servers_.push_back(std::move(*parsed));
  }
  IRIS_ASSERT(!servers_.empty(), "at least one mariadb server");
}

Result<Connection> ConnectionPool::find_writable() {
  const std::size_t n = servers_.size();
  const std::size_t start = hint_.load(std::memory_order_relaxed) % n;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (start + k) % n;
    auto conn = Connection::open(servers_[i], options_);
    if (!conn) continue;
    auto writable = conn->writable();
    if (!writable || !*writable) continue;
    if (i != start) {
      IRIS_LOG(warn, "store", "MariaDB: the writable server is now {} (was {})", servers_[i].str(),
               servers_[start].str());
      hint_.store(i, std::memory_order_relaxed);
      std::lock_guard lock(mu_);
      ++generation_;
      idle_.clear();
      idle_generation_.clear();
    }
    down_until_.store(0, std::memory_order_relaxed);
    return conn;
  }
  const auto until = std::chrono::steady_clock::now() + options_.retry_backoff;
  down_until_.store(until.time_since_epoch().count(), std::memory_order_relaxed);
  return fail(errc::unavailable);
}

Result<ConnectionPool::Lease> ConnectionPool::acquire() {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || in_use_ < options_.pool_size; });
    ++in_use_;
    while (!idle_.empty()) {
      Connection c = std::move(idle_.back());
      const std::uint64_t g = idle_generation_.back();
      idle_.pop_back();
      idle_generation_.pop_back();
      if (g == generation_) return Lease{std::move(c), g, true};
    }
  }
  // Readers run on event-loop threads: while the last search found no writable server, fail
  // at once rather than wait out connect timeouts again on every read.
  const bool known_down =
      std::chrono::steady_clock::now().time_since_epoch().count() < down_until_.load(std::memory_order_relaxed);
  auto conn = known_down ? Result<Connection>(fail(errc::unavailable)) : find_writable();
  std::lock_guard lock(mu_);
  if (!conn) {
    --in_use_;
    cv_.notify_one();
    return fail(conn.error());
  }
  return Lease{std::move(*conn), generation_, false};
}

void ConnectionPool::release(Connection conn, std::uint64_t generation) {
  std::lock_guard lock(mu_);
  --in_use_;
  if (!conn.broken() && generation == generation_) {
    idle_.push_back(std::move(conn));
    idle_generation_.push_back(generation);
  }
  cv_.notify_one();
}

}  // namespace iris::store::mariadb
