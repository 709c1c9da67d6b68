#pragma once
// An in-process coordination service for unit tests: ephemeral members per session,
// one version counter, events delivered synchronously in the caller's thread, and
// session expiry on demand. Same rules as the ZooKeeper adapter (coordinator.h).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/coordinator.h"

namespace iris::cluster::testing {

class FakeCoordinator;

class FakeCoordinationService {
 public:
  std::unique_ptr<FakeCoordinator> connect();
  // The session of `c` expires: it hears `expired` first, then everyone else sees its
  // member leave.
  void expire(FakeCoordinator& c);
  std::uint64_t version() const { return version_; }

 private:
  friend class FakeCoordinator;
  struct Node {
    ServerInfo info;
    FakeCoordinator* owner;
  };
  Result<void> create(FakeCoordinator& owner, const ServerInfo& info);
  void remove(std::string_view name);
  void broadcast(const MembershipEvent& event);
  void detach(FakeCoordinator& c);

  std::uint64_t version_ = 0;
  std::map<std::string, Node, std::less<>> nodes_;
  std::vector<FakeCoordinator*> sessions_;
};

class FakeCoordinator final : public Coordinator {
 public:
  explicit FakeCoordinator(FakeCoordinationService& service) : service_(&service) {}
  ~FakeCoordinator() override;

  Result<void> join(const ServerInfo& self, CoordinatorListener listener) override;
  void leave() override;
  Result<void> withdraw() override;
  SessionState session_state() const override { return state_; }
  Result<void> evict(std::string_view name) override;

 private:
  friend class FakeCoordinationService;
  void deliver(const MembershipEvent& event);
  void expired();

  FakeCoordinationService* service_;
  CoordinatorListener listener_;
  SessionState state_ = SessionState::connecting;
  std::string name_;
};

}  // namespace iris::cluster::testing
