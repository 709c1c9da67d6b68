#pragma once
// CellView: one server's current answer to "who owns this user?", shared by its event-loop
// threads. The coordinator's thread applies membership events and session states; readers
// take an immutable snapshot (a pointer copy under a mutex, never a wait on the writer), so a
// lookup costs one Ring lookup and a ring rebuild never stalls a shard.
//
// A server serves a user only while its session is live, the deployment's placement puts the
// user in this server's cell, and the cell's ring gives it the user (docs/CLUSTER.md "Several
// cells"): `serving` turns false the moment the coordinator reports `expired`, before any peer
// may take the users over (coordinator.h), and stays false until a new session joins. This is
// the one ownership rule: the shards' split of a send, the store's claims, the forwarder and
// the routing of devices all ask `owns`.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cluster/coordinator.h"
#include "cluster/directory.h"
#include "cluster/membership.h"
#include "cluster/ring.h"

namespace iris::cluster {

struct CellSnapshot {
  std::string self;         // this server's name
  std::string cell;         // this server's cell
  std::uint64_t version = 0;  // the membership version the ring was built from
  bool serving = false;     // joined, session live
  Ring ring;
  // Every cell of the deployment and the placement (a watched copy of ZooKeeper). Null when
  // no directory is consulted: this cell then holds every user (a view without a deployment,
  // as in tests of one cell). An empty directory (not read yet) places nobody here.
  std::shared_ptr<const Directory> directory;
  // This server's id slot for the session (sync::CellIdGenerator), once claimed.
  std::optional<std::uint32_t> id_slot;

  // Null when the ring is empty.
  const ServerInfo* owner(core::UserId user) const;
  // The placement puts `user` in this server's cell (always, without a directory).
  bool placed_here(core::UserId user) const;
  // This server serves `user` now: it is serving, `user` is placed in its cell, and the
  // cell's ring gives it the user.
  bool owns(core::UserId user) const;
  // The owner of a user placed in another cell, by that cell's ring; nullopt for a user of
  // this cell, or when its cell is unknown or has no live server.
  std::optional<Route> elsewhere(core::UserId user) const;
};

class CellView {
 public:
  explicit CellView(std::string self, std::string cell = {});

  std::shared_ptr<const CellSnapshot> snapshot() const;

  // The listener to pass to Coordinator::join. Events that the table refuses (stale) are
  // dropped; `on_changed`, if set, runs after each new snapshot, on the coordinator's thread.
  using OnChanged = std::function<void(const std::shared_ptr<const CellSnapshot>&)>;
  CoordinatorListener listener(OnChanged on_changed = {});

  void apply(const MembershipEvent& event);
  void set_session(SessionState state);
  // The deployment's placement changed (any thread): later snapshots carry `directory`. A
  // copy older than the one held (by its version) is ignored. `on_changed` does not run.
  void set_directory(std::shared_ptr<const Directory> directory);
  // The id slot this server claimed (any thread, before it joins): later snapshots carry it.
  void set_id_slot(std::uint32_t slot);

 private:
  void publish();

  std::string self_;
  std::string cell_;
  Membership table_;              // coordinator thread only
  bool serving_ = false;          // coordinator thread only
  OnChanged on_changed_;
  mutable std::mutex mu_;
  std::shared_ptr<const CellSnapshot> current_;  // guarded by mu_
  std::shared_ptr<const Directory> directory_;    // guarded by mu_
  std::optional<std::uint32_t> id_slot_;          // guarded by mu_
};

}  // namespace iris::cluster
