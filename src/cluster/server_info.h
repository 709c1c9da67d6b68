#pragma once
// What a server of a cell publishes about itself (its ephemeral node's contents).

#include <cstdint>
#include <string>
#include <vector>

namespace iris::cluster {

struct ServerInfo {
  std::string name;     // unique in the cell, stable across restarts (e.g. "irisd-1")
  std::string address;  // where peers and relays reach it, "host:port"
  std::vector<std::uint64_t> tokens;  // its positions on the ring
  bool operator==(const ServerInfo&) const = default;
};

}  // namespace iris::cluster
