#pragma once
// CellMember: irisd's membership in a cell (docs/CLUSTER.md): connects to ZooKeeper, joins
// with this server's name, tokens and device addresses, and keeps a CellView current. When
// the session expires the server must stop serving at once, so CellMember asks the process
// to stop (SIGTERM to itself, logged): a clean exit hands every device to the survivors, and
// a supervisor restarts it into a new session.

#include <atomic>
#include <memory>

#include "cluster/cell_options.h"
#include "cluster/cell_view.h"
#include "cluster/zookeeper/zk_coordinator.h"
#include "net/mqtt_server.h"

namespace iris::irisd {

class CellMember {
 public:
  explicit CellMember(const cluster::CellOptions& options);
  ~CellMember();

  // Joins once the listeners are bound (their ports are what peers and relays dial). False,
  // after logging why, when the ensemble is unreachable or the name or token count conflicts.
  bool join(const net::BoundPorts& ports);
  // Leaves the cell at once (a clean stop: peers take the users without waiting).
  void leave();

  const cluster::CellView* view() const { return view_.get(); }
  // True once the session expired: irisd exits with a failure status.
  bool expired() const { return expired_; }

 private:
  const cluster::CellOptions& options_;
  std::unique_ptr<cluster::CellView> view_;
  std::unique_ptr<cluster::ZooKeeperCoordinator> coordinator_;
  std::atomic<bool> expired_{false};
};

}  // namespace iris::irisd
