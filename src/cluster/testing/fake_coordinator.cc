#include "cluster/testing/fake_coordinator.h"

#include <algorithm>

#include "cluster/errc.h"

namespace iris::cluster::testing {

std::unique_ptr<FakeCoordinator> FakeCoordinationService::connect() {
  auto c = std::make_unique<FakeCoordinator>(*this);
  sessions_.push_back(c.get());
  return c;
}

Result<void> FakeCoordinationService::create(FakeCoordinator& owner, const ServerInfo& info) {
  if (auto ok = validate(info); !ok) return ok;
  if (nodes_.contains(info.name)) return fail(errc::name_conflict);  // ZooKeeper: NODEEXISTS
  nodes_.emplace(info.name, Node{info, &owner});
  broadcast({++version_, ServerJoined{info}});
  return {};
}

void FakeCoordinationService::remove(std::string_view name) {
  const auto it = nodes_.find(name);
  if (it == nodes_.end()) return;
  const std::string gone = it->first;
  nodes_.erase(it);
  broadcast({++version_, ServerLeft{gone}});
}

void FakeCoordinationService::broadcast(const MembershipEvent& event) {
  const auto sessions = sessions_;  // a listener may connect or leave while we deliver
  for (FakeCoordinator* s : sessions) {
    if (std::find(sessions_.begin(), sessions_.end(), s) != sessions_.end()) s->deliver(event);
  }
}

void FakeCoordinationService::expire(FakeCoordinator& c) {
  c.expired();  // the server hears it before anyone may take its users
  detach(c);
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (it->second.owner == &c) {
      const std::string gone = it->first;
      it = nodes_.erase(it);
      broadcast({++version_, ServerLeft{gone}});
    } else {
      ++it;
    }
  }
}

void FakeCoordinationService::detach(FakeCoordinator& c) {
  sessions_.erase(std::remove(sessions_.begin(), sessions_.end(), &c), sessions_.end());
}

FakeCoordinator::~FakeCoordinator() {
  if (state_ != SessionState::expired) leave();
  service_->detach(*this);
}

Result<void> FakeCoordinator::join(const ServerInfo& self, CoordinatorListener listener) {
  if (state_ == SessionState::expired) return fail(errc::coordinator_unavailable);
  listener_ = std::move(listener);
  // The current members first, as ZooKeeper's first getChildren would give them.
  for (const auto& [name, node] : service_->nodes_) deliver({service_->version_, ServerJoined{node.info}});
  name_ = self.name;
  if (auto ok = service_->create(*this, self); !ok) {
    name_.clear();
    return ok;
  }
  state_ = SessionState::connected;
  if (listener_.on_session) listener_.on_session(state_);
  return {};
}

void FakeCoordinator::leave() {
  if (!name_.empty()) {
    const std::string name = std::move(name_);
    name_.clear();
    listener_ = {};
    service_->remove(name);
  }
  listener_ = {};
}

Result<void> FakeCoordinator::withdraw() {
  if (state_ != SessionState::connected || name_.empty()) return fail(errc::coordinator_unavailable);
  const std::string name = std::move(name_);
  name_.clear();
  service_->remove(name);  // this server hears its own leaving too
  return {};
}

Result<void> FakeCoordinator::evict(std::string_view name) {
  if (state_ != SessionState::connected) return fail(errc::coordinator_unavailable);
  service_->remove(name);
  return {};
}

void FakeCoordinator::deliver(const MembershipEvent& event) {
  if (listener_.on_change) listener_.on_change(event);
}

void FakeCoordinator::expired() {
  state_ = SessionState::expired;
  if (listener_.on_session) listener_.on_session(state_);
  listener_ = {};
  name_.clear();
}

}  // namespace iris::cluster::testing
