#pragma once
// ZooKeeperAdmin: what operators' tools read and change in the deployment's ZooKeeper,
// without joining a cell (docs/CLUSTER.md "ZooKeeper", docs/DEPLOY.md "irisctl"):
//
//   <root>/cells/<cell>                    the cell (created by its first server)
//   <root>/cells/<cell>/servers/<name>     its live members (ephemeral)
//   <root>/cells/<cell>/disabled           present: the cell takes no new users
//   <root>/cells/<cell>/drain/<server>     present: that server is asked to drain (it hands
//                                          its users over and moves its devices; its next
//                                          start clears the request)
//   <root>/placement/<user id>             an override: the user lives in the cell named
//   <root>/audit/entry-<sequence>          one change made by a tool: who, what, when
//
// Blocking, one session; for command-line tools, never for a server's event loop.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cluster/member_codec.h"
#include "cluster/placement.h"
#include "cluster/server_info.h"

typedef struct _zhandle zhandle_t;

namespace iris::cluster {

struct CellListing {
  std::string name;
  std::optional<CellConfig> config;      // nullopt: the cell node's data does not decode
  bool enabled = true;
  std::vector<ServerInfo> servers;       // live members that decode, sorted by name
  std::vector<std::string> unreadable;   // live members whose data does not decode
};

struct AuditEntry {
  std::string id;    // the node's name: entry-<sequence>, in order
  std::string text;  // "when <UTC> who <user@host> what <command>"
};

// Most placement overrides and audit entries read in one listing.
inline constexpr std::size_t kMaxListing = 100000;

class ZooKeeperAdmin {
 public:
  // Connects and waits up to `timeout` for a session; coordinator_unavailable otherwise.
  static Result<std::unique_ptr<ZooKeeperAdmin>> connect(const std::string& hosts, std::string root,
                                                         std::chrono::milliseconds timeout);
  ~ZooKeeperAdmin();
  ZooKeeperAdmin(const ZooKeeperAdmin&) = delete;
  ZooKeeperAdmin& operator=(const ZooKeeperAdmin&) = delete;

  // The cells' names, sorted; empty when no cell was ever created.
  Result<std::vector<std::string>> cells() const;
  Result<CellListing> cell(const std::string& name) const;
  Result<std::map<core::UserId, std::string>> overrides() const;
  // Every cell with its state, and the overrides: what the users' placement is computed from.
  Result<Placement> placement() const;
  // The last `count` audit entries, oldest first.
  Result<std::vector<AuditEntry>> audit(std::size_t count) const;

  // A cell that exists (errc::invalid_member otherwise) is enabled or disabled.
  Result<void> set_cell_enabled(const std::string& name, bool enabled);
  // Asks the live member `server` of `cell` to drain (errc::invalid_member when there is no
  // such member). Asking twice is asking once.
  Result<void> request_drain(const std::string& cell, const std::string& server);
  // Places `user` in `cell` whatever the hash says; an empty cell removes the override.
  Result<void> set_override(core::UserId user, const std::string& cell);
  // Appends `text` to the audit log.
  Result<void> record(const std::string& text);

 private:
  struct SessionWait;
  explicit ZooKeeperAdmin(std::string root);
  Result<std::vector<std::string>> children(const std::string& path) const;
  Result<void> ensure(const std::string& path);

  std::string root_;
  std::unique_ptr<SessionWait> wait_;  // outlives zh_: the library may call back until it closes
  zhandle_t* zh_ = nullptr;
};

}  // namespace iris::cluster
