#pragma once
// What a server of a cell publishes about itself (its ephemeral node's contents).

#include <cstdint>
#include <string>
#include <vector>

namespace iris::cluster {

struct ServerInfo {
  std::string name;     // unique in the cell, stable across restarts (e.g. "irisd-1")
  std::string address;  // where peers reach it (the server-to-server link), "host:port"
  std::vector<std::uint64_t> tokens;  // its positions on the ring
  // Where devices reach it, for relays and MQTT 5 Server References; empty when not served.
  std::string mqtt{};  // MQTT over TCP, "host:port"
  std::string http{};  // the HTTP API, "host:port"
  std::string ws{};    // MQTT over WebSocket (browsers), "host:port"
  bool operator==(const ServerInfo&) const = default;
};

}  // namespace iris::cluster
