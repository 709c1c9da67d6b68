#pragma once
// CellRouting: where a device's user lives when this server is one of a cell (docs/CLUSTER.md
// "Devices"). Asked once per connection, when its CONNECT names the user; the server then
// serves the connection, relays it to the owner, redirects it (MQTT 5, when configured), or
// refuses it while it owns nobody (before joining, after its session expired).

#include <functional>
#include <string>
#include <string_view>

namespace iris::net {

struct Placement {
  enum class Kind { local, remote, unavailable };
  Kind kind = Kind::local;
  std::string server;  // remote: the owner's name, for logs
  std::string mqtt;    // remote: the owner's MQTT over TCP address, "ip:port"
};

// Called from every shard thread at once: must be thread-safe and must not block.
using CellRouting = std::function<Placement(std::string_view user)>;

struct CellRoutingOptions {
  CellRouting routing;
  // MQTT 5 clients of a remote user get CONNACK 0x9C "use another server" with a Server
  // Reference to the owner instead of being relayed.
  bool redirect_mqtt5 = false;
};

}  // namespace iris::net
