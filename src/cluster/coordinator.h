#pragma once
// Coordinator: a server's view of its cell's coordination service (ZooKeeper in production,
// testing/fake_coordinator.h in unit tests). It publishes this server as an ephemeral member
// and delivers membership events, in version order, to one listener.
//
// Session rules (docs/CLUSTER.md "Failures"): a member exists exactly as long as its session.
// When the session is lost, the listener hears SessionState::expired before any other
// server can see the member gone, and must stop serving every user at once: from then on
// another server may take them (and the store's fencing refuses this server's writes).

#include <functional>
#include <string_view>

#include "base/result.h"
#include "cluster/membership.h"
#include "cluster/server_info.h"

namespace iris::cluster {

enum class SessionState {
  connecting,    // not yet joined, or reconnecting within the session timeout: keep serving
  connected,     // joined; events flow
  expired,       // the session is gone: stop serving; only a new join starts again
};

struct CoordinatorListener {
  std::function<void(const MembershipEvent&)> on_change;
  std::function<void(SessionState)> on_session;
  // An operator asked this server to drain (irisctl server drain): heard at most once per
  // join. Optional.
  std::function<void()> on_drain{};
};

class Coordinator {
 public:
  virtual ~Coordinator() = default;
  // Publishes `self` and starts delivering: the current members as ServerJoined events, then
  // every change. Refused with errc::name_conflict when a live member already has the name.
  virtual Result<void> join(const ServerInfo& self, CoordinatorListener listener) = 0;
  // Removes this server's member (a clean stop); no event is delivered after it returns.
  virtual void leave() = 0;
  // Removes this server's member but keeps its session and its events: the ring goes on
  // without it (its users move to the others, who claim them), while it still learns every
  // change, so it can relay devices to their new owners as it drains. There is no way back
  // in: a drained server serves again only after a restart (a new join).
  virtual Result<void> withdraw() = 0;
  virtual SessionState session_state() const = 0;
  // Removes another server's member, for a survivor that knows the peer is dead (its host
  // refuses connections to its port): faster than waiting for its session to expire, and
  // safe even if wrong, because ownership is fenced in the store.
  virtual Result<void> evict(std::string_view name) = 0;
};

}  // namespace iris::cluster
