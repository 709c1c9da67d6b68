#pragma once
// CellView: one server's current answer to "who owns this user?", shared by its event-loop
// threads. The coordinator's thread applies membership events and session states; readers
// take an immutable snapshot (a pointer copy under a mutex, never a wait on the writer), so a
// lookup costs one Ring lookup and a ring rebuild never stalls a shard.
//
// A server serves a user only while its session is live and the ring gives it the user:
// `serving` turns false the moment the coordinator reports `expired`, before any peer may
// take the users over (coordinator.h), and stays false until a new session joins.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "cluster/coordinator.h"
#include "cluster/membership.h"
#include "cluster/ring.h"

namespace iris::cluster {

struct CellSnapshot {
  std::string self;         // this server's name
  std::uint64_t version = 0;  // the membership version the ring was built from
  bool serving = false;     // joined, session live
  Ring ring;

  // Null when the ring is empty.
  const ServerInfo* owner(core::UserId user) const;
  // This server serves `user` now: it is serving and the ring gives it the user.
  bool owns(core::UserId user) const;
};

class CellView {
 public:
  explicit CellView(std::string self);

  std::shared_ptr<const CellSnapshot> snapshot() const;

  // The listener to pass to Coordinator::join. Events that the table refuses (stale) are
  // dropped; `on_changed`, if set, runs after each new snapshot, on the coordinator's thread.
  using OnChanged = std::function<void(const std::shared_ptr<const CellSnapshot>&)>;
  CoordinatorListener listener(OnChanged on_changed = {});

  void apply(const MembershipEvent& event);
  void set_session(SessionState state);

 private:
  void publish();

  std::string self_;
  Membership table_;              // coordinator thread only
  bool serving_ = false;          // coordinator thread only
  OnChanged on_changed_;
  mutable std::mutex mu_;
  std::shared_ptr<const CellSnapshot> current_;
};

}  // namespace iris::cluster
