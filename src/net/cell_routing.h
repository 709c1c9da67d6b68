#pragma once
// CellRouting: where a device's user lives when this server is one of a cell (docs/CLUSTER.md
// "Devices"). Asked once per connection, when its CONNECT names the user; the server then
// serves the connection, relays it to the owner, redirects it (MQTT 5, when configured), or
// refuses it while it owns nobody (before joining, after its session expired).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"

namespace iris::net {

struct Placement {
  enum class Kind { local, remote, unavailable };
  Kind kind = Kind::local;
  std::string server;  // remote: the owner's name, for logs
  std::string mqtt;    // remote: the owner's MQTT over TCP address, "ip:port"
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
  bool overridden = false;  // placed by an operator, not by the hash
};
// Thread-safe, non-blocking; nullopt when no live server is known for the user now.
using RouteLookup = std::function<std::optional<UserRoute>(core::UserId user)>;

struct CellRoutingOptions {
  CellRouting routing;
  RouteLookup route_lookup;  // empty: GET /v1/route answers 404 (no discovery)
  // MQTT 5 clients of a remote user get CONNACK 0x9C "use another server" with a Server
  // Reference to the owner instead of being relayed.
  bool redirect_mqtt5 = false;
};

}  // namespace iris::net
