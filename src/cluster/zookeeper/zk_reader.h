#pragma once
// ZooKeeperReader: what operators' tools read from the cells' ZooKeeper, without joining a
// cell: the cells, each cell's configuration and its live members (the znodes of
// docs/CLUSTER.md). Blocking, one session; for `irisctl`, never for a server's event loop.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cluster/member_codec.h"
#include "cluster/server_info.h"

typedef struct _zhandle zhandle_t;

namespace iris::cluster {

struct CellListing {
  std::string name;
  std::optional<CellConfig> config;      // nullopt: the cell node's data does not decode
  std::vector<ServerInfo> servers;       // live members that decode, sorted by name
  std::vector<std::string> unreadable;   // live members whose data does not decode
};

class ZooKeeperReader {
 public:
  // Connects and waits up to `timeout` for a session; coordinator_unavailable otherwise.
  static Result<std::unique_ptr<ZooKeeperReader>> connect(const std::string& hosts, std::string root,
                                                          std::chrono::milliseconds timeout);
  ~ZooKeeperReader();
  ZooKeeperReader(const ZooKeeperReader&) = delete;
  ZooKeeperReader& operator=(const ZooKeeperReader&) = delete;

  // The cells' names, sorted; empty when no cell was ever created.
  Result<std::vector<std::string>> cells() const;
  Result<CellListing> cell(const std::string& name) const;

 private:
  struct SessionWait;
  explicit ZooKeeperReader(std::string root);
  Result<std::vector<std::string>> children(const std::string& path) const;

  std::string root_;
  std::unique_ptr<SessionWait> wait_;  // outlives zh_: the library may call back until it closes
  zhandle_t* zh_ = nullptr;
};

}  // namespace iris::cluster
