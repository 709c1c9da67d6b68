#pragma once
// OwnerRouter: the one place that decides who owns a user, i.e. where the user's sessions,
// queue state, inbox and device streams live. Everything that must reach a user's owner
// asks it: the routing of an MQTT connection (by its user name), the sync service's
// fan-out and replies (ServerCore::to_owner), the HTTP API's requests, and the authorizer's
// check that a membership question is asked on the owner. Today an owner is always a shard
// of this server; the cluster (issue 18) answers "that server" through the same interface.

#include <cstddef>
#include <string_view>

#include "core/ids.h"

namespace iris::net {

// Where a user lives: a shard of this server (its index). A remote owner is added here
// when the cluster routes to other servers.
struct Owner {
  std::size_t shard = 0;
  friend bool operator==(const Owner&, const Owner&) = default;
};

class OwnerRouter {
 public:
  virtual ~OwnerRouter() = default;
  // The owner of `user`. The same answer for every caller on every thread, for as long as
  // the router's configuration holds: a user's connections, requests and appends must all
  // meet at one owner. Thread-safe.
  virtual Owner owner_of(core::UserId user) const = 0;
};

// The owner within one server of `shards` shards: hash(user's decimal name) % shards, the
// same rule as connections that are routed by their user name text (owner_of_key), so a
// user's devices and its sync state meet on one shard.
class LocalOwnerRouter final : public OwnerRouter {
 public:
  explicit LocalOwnerRouter(std::size_t shards) : shards_(shards) {}
  Owner owner_of(core::UserId user) const override;
  // The owner of a connection key: its user name, or its client id when it has none.
  Owner owner_of_key(std::string_view key) const;

 private:
  std::size_t shards_;
};

}  // namespace iris::net
