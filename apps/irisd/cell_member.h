#pragma once
// CellMember: irisd's membership in a cell (docs/CLUSTER.md): connects to ZooKeeper, joins
// with this server's name, tokens and device addresses, and keeps a CellView current. When
// the session expires the server must stop serving at once, so CellMember asks the process
// to stop (SIGTERM to itself, logged): a clean exit hands every device to the survivors, and
// a supervisor restarts it into a new session.
//
// Fast failover (docs/CLUSTER.md "Failover speed"): when a relay to an owner is refused
// (ECONNREFUSED), the member's evictor thread probes the owner's MQTT port once more and, if
// it still refuses, evicts the owner's ephemeral node at once instead of waiting out its
// session; ownership fencing in the store keeps a wrong guess safe. At most one probe per
// peer per second.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "apps/irisd/admin_view.h"
#include "cluster/cell_options.h"
#include "cluster/cell_view.h"
#include "cluster/owned_queue_store.h"
#include "cluster/zookeeper/zk_coordinator.h"
#include "cluster/zookeeper/zk_directory.h"
#include "net/mqtt_server.h"
#include "ops/options.h"

namespace iris::irisd {

class CellMember {
 public:
  // `report` says where the admin report (GET /v1/admin/cells) reads from.
  CellMember(const cluster::CellOptions& options, ops::Options report);
  ~CellMember();

  // Where a device's user lives (net/cell_routing.h): given to the MQTT server before it
  // starts; until join() succeeds nobody is served here (`unavailable`). Also where any user
  // of the deployment lives (GET /v1/route), from a watched copy of every cell.
  net::CellRoutingOptions routing();
  // Joins once the listeners are bound (their ports are what peers and relays dial); from
  // then on every membership change closes the clients of users that moved away. False,
  // after logging why, when the ensemble is unreachable or the name or token count conflicts.
  bool join(const net::BoundPorts& ports, net::MqttServer& mqtt);
  // A clean stop's first half, and what `irisctl server drain` asks for: withdraws from the
  // ring (the peers take every user of this server) and tells this server's clients to
  // reconnect, at cluster.disconnect_rate, then returns once they were all told or
  // cluster.drain_timeout passed. Devices that reach this server afterwards are relayed to
  // their owners. Once per process: a second call returns at once.
  void drain();
  // Leaves the cell at once (a clean stop: peers take the users without waiting).
  void leave();
  // This server's name in the cell once its listeners are bound: cluster.name, or the MQTT
  // address peers dial. The queue store appends and claims under it (fencing).
  std::string self_name(const net::BoundPorts& ports) const;
  // The store's claims: a device of a user this server owns starts its user's claim when it
  // connects, and is refused (`unavailable`) while a newer claim of another server holds the
  // user. Must outlive the member; set before the MQTT server starts.
  void set_claims(cluster::OwnedQueueStore* claims) { claims_ = claims; }

  // This server's name in the cell, once joined.
  const std::string& self_name() const { return self_name_; }
  const cluster::CellView* view() const { return view_ptr_.load(std::memory_order_acquire); }
  // True once the session expired: irisd exits with a failure status.
  bool expired() const { return expired_; }

 private:
  const cluster::CellOptions& options_;
  ops::Options report_;
  net::Placement place(std::string_view user) const;
  // The clients to tell to go: users this server does not own on `s` (another server of the
  // ring owns them, or they are placed in another cell).
  static std::function<bool(std::string_view)> moved_away(std::shared_ptr<const cluster::CellSnapshot> s);
  // Where those clients go (an MQTT 5 client's Server Reference), with cluster.redirect_mqtt5.
  std::function<std::string(std::string_view)> new_owner(std::shared_ptr<const cluster::CellSnapshot> s) const;
  void owner_refused(const std::string& server, const std::string& mqtt);
  void run_evictor();
  void stop_evictor();

  std::unique_ptr<cluster::CellView> view_;
  std::atomic<const cluster::CellView*> view_ptr_{nullptr};  // set once the view exists
  std::unique_ptr<cluster::ZooKeeperCoordinator> coordinator_;
  std::unique_ptr<cluster::ZooKeeperDirectory> directory_;
  std::atomic<const cluster::ZooKeeperDirectory*> directory_ptr_{nullptr};
  std::unique_ptr<AdminView> admin_;  // made at join when cluster.admin_users names anyone
  std::atomic<AdminView*> admin_ptr_{nullptr};
  std::atomic<bool> expired_{false};
  std::mutex moved_mu_;   // the directory's thread uses mqtt_ under it, until left_
  bool left_ = false;     // guarded by moved_mu_: set by leave
  std::map<core::UserId, std::string> overrides_seen_;  // guarded by moved_mu_: the last directory's
  net::MqttServer* mqtt_ = nullptr;                 // set by join
  std::atomic<std::uint64_t> told_version_{0};  // the last ring whose moved clients were told
  std::atomic<bool> drained_{false};             // drain() ran or runs
  std::mutex drain_mu_;
  std::thread drain_thread_;  // GUARDED_BY(drain_mu_): an operator's drain (on_drain); joined by leave
  cluster::OwnedQueueStore* claims_ = nullptr;

  std::mutex evict_mu_;
  std::condition_variable evict_cv_;
  std::vector<std::pair<std::string, std::string>> to_probe_;  // guarded by evict_mu_; (name, mqtt)
  std::map<std::string, std::chrono::steady_clock::time_point> probed_;  // guarded by evict_mu_
  bool evictor_stop_ = false;  // guarded by evict_mu_
  std::thread evictor_;        // runs while joined; uses coordinator_
  std::string self_name_;
};

}  // namespace iris::irisd
