#pragma once
// One blocking Connector/C connection to a server of the pair, for administration (observing
// replication, promoting, fencing). Blocking is fine here: it runs on the monitor's own
// thread or in a one-shot command, never on an event loop. Every call is bounded by the
// connect/read/write timeouts.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

struct st_mysql;

namespace iris::dbpair {

struct ServerAddress {
  std::string host;
  std::uint16_t port = 3306;
  std::string to_string() const { return host + ':' + std::to_string(port); }
  bool operator==(const ServerAddress&) const = default;
};

// "host:port" (port 1..65535); a list is comma-separated, at least one, at most kMaxServers.
Result<ServerAddress> parse_server(std::string_view text);
inline constexpr std::size_t kMaxServers = 2;
Result<std::vector<ServerAddress>> parse_servers(std::string_view text);

struct AdminOptions {
  std::string user = "root";
  std::string password;
  // Connector/C counts these in whole seconds (at least 1). A killed server refuses at once
  // on loopback; a hung one costs at most this long per call.
  std::chrono::seconds connect_timeout{1};
  std::chrono::seconds read_timeout{2};
  std::chrono::seconds write_timeout{2};
};

// One result row by column name; SQL NULL reads as "".
using Row = std::map<std::string, std::string, std::less<>>;

class AdminConnection {
 public:
  static Result<AdminConnection> connect(const ServerAddress& address, const AdminOptions& options);

  AdminConnection(AdminConnection&&) noexcept;
  AdminConnection& operator=(AdminConnection&&) noexcept;
  ~AdminConnection();

  // Runs one statement and returns its rows (none for a statement without a result).
  Result<std::vector<Row>> query(std::string_view sql);
  // The server's last error text and number, for logs and for telling a duplicate key apart.
  std::string last_error() const;
  unsigned last_errno() const;
  const ServerAddress& address() const { return address_; }

 private:
  AdminConnection(ServerAddress address, st_mysql* mysql);
  ServerAddress address_;
  st_mysql* mysql_ = nullptr;
};

}  // namespace iris::dbpair
