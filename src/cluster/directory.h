#pragma once
// Directory: the deployment's answer to "where does this user live?" (issue 19's discovery):
// the user's cell by Placement, then the server by that cell's ring. Pure and immutable: a
// watcher (zookeeper/zk_directory.h) builds a new one whenever ZooKeeper changes and every
// reader takes the current one, so a lookup is a few hashes and never waits.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/placement.h"
#include "cluster/ring.h"
#include "cluster/server_info.h"

namespace iris::cluster {

struct Route {
  std::string cell;
  bool overridden = false;  // placed by an operator, not by the hash
  ServerInfo server;        // the owner: its name and the addresses devices use
};

struct DirectoryCell {
  std::string name;
  bool enabled = true;
  std::vector<ServerInfo> servers;
};

class Directory {
 public:
  Directory() = default;
  Directory(std::vector<DirectoryCell> cells, std::map<core::UserId, std::string> overrides, std::uint64_t version);

  // nullopt when the user's cell is unknown (no cell enabled and no override) or has no
  // live server.
  std::optional<Route> route(core::UserId user) const;
  std::uint64_t version() const { return version_; }
  const Placement& placement() const { return placement_; }
  std::size_t cells() const { return rings_.size(); }

 private:
  Placement placement_;
  std::map<std::string, Ring, std::less<>> rings_;
  std::uint64_t version_ = 0;
};

}  // namespace iris::cluster
