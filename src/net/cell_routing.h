#pragma once
// CellRouting: where a device's user lives when this server is one of a cell (docs/CLUSTER.md
// "Devices"). Asked once per connection, when its CONNECT names the user, and once per HTTP
// API request, for the bearer token's user; the server then serves it, relays it to the owner,
// redirects it (MQTT 5, or HTTP 307, when configured), or refuses it while it owns nobody
// (before joining, after its session expired).

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace iris::net {

struct Placement {
  enum class Kind { local, remote, unavailable };
  Kind kind = Kind::local;
  std::string server;  // remote: the owner's name, for logs
  std::string mqtt;    // remote: the owner's MQTT over TCP address, "ip:port"
  std::string http{};  // remote: the owner's HTTP API address, "ip:port" (empty: it has none)
};

// Called from every shard thread at once: must be thread-safe and must not block.
using CellRouting = std::function<Placement(std::string_view user)>;

// Where a user lives in the whole deployment (discovery, GET /v1/route): its cell by
// placement, then that cell's owner. Any server answers for any user, from a watched copy.
struct UserRoute {
  std::string cell;
  std::string server;  // the owner's name
  std::string mqtt;    // its MQTT over TCP address, "ip:port"
  std::string http;    // its HTTP API address
  std::string ws{};    // its MQTT over WebSocket address (empty: it has no WebSocket listener)
  bool overridden = false;  // placed by an operator, not by the hash
};
// Thread-safe, non-blocking; nullopt when no live server is known for the user now.
using RouteLookup = std::function<std::optional<UserRoute>(core::UserId user)>;

// How an HTTP API request of another server's user reaches the owner (docs/CLUSTER.md "HTTP
// requests"): proxied by this server (the default), or answered 307 with the owner's URL.
struct HttpToOwnerOptions {
  // Answer 307 Temporary Redirect to http://<owner>/<target> instead of proxying. Only on
  // the plain HTTP port: a request that came over TLS is proxied (a redirect would move its
  // bearer token to plain HTTP).
  bool redirect = false;
  // Time the owner has to answer a proxied request (connect, write, read); a long poll gets
  // its own wait on top. Past it the caller gets 503 with Retry-After. Default 5 s.
  std::chrono::milliseconds timeout{5000};
  // Proxied requests in flight across the server; more get 503 with Retry-After at once.
  // Default 256.
  std::size_t max_concurrent = 256;
  // Largest answer (headers and body) read from the owner; a larger one is dropped and the
  // caller gets 502. Default 16 MiB: a snapshot at its largest is a few MiB.
  std::size_t max_answer_bytes = 16 * 1024 * 1024;
};

struct CellRoutingOptions {
  CellRouting routing;
  RouteLookup route_lookup;  // empty: GET /v1/route answers 404 (no discovery)
  // GET /v1/admin/cells: the latest deployment report (JSON), for admin_users only; nullopt
  // until the first one is made. Thread-safe, non-blocking.
  std::function<std::optional<std::string>()> admin_report;
  std::vector<core::UserId> admin_users;
  // MQTT 5 clients of a remote user get CONNACK 0x9C "use another server" with a Server
  // Reference to the owner instead of being relayed.
  bool redirect_mqtt5 = false;
  // Clients of users that moved away (a ring change, a drain) are told to reconnect at most
  // this many per second in all, so the new owners are not hit by every device at once;
  // 0 = all at once.
  std::size_t disconnect_rate = 2000;
  HttpToOwnerOptions http{};
  // Called (from a shard thread; must not block) when a relay's connection to an owner's MQTT
  // port was refused (ECONNREFUSED): the owner's host is up and nobody listens there, so the
  // owner is most likely dead. The cell may evict it at once instead of waiting out its
  // session (docs/CLUSTER.md "Failover speed"). Optional.
  std::function<void(const std::string& server, const std::string& mqtt)> owner_refused;
};

}  // namespace iris::net
