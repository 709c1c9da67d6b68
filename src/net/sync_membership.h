#pragma once
// SyncMembership: the ThreadMembership of a server that carries the sync service. It answers
// from the inbox of the user's owner SyncShard, on that shard's thread, without a lock:
// the authorizer runs on the thread of the broker that holds the asking session, which is
// the owner shard of its user (see Shard::is_participant for the whole argument). Asked on
// any other thread (no MqttServer shard running there), it says no.
//
// Stateless, so it can be built before the MqttServer whose authorizer uses it. A removed
// participant's next PUBLISH on the thread's topics is refused (each PUBLISH is checked);
// its subscriptions to them are dropped when the removal reaches its inbox
// (sync::DeviceSink::revoke_thread).

#include "net/iris_auth.h"

namespace iris::net {

class SyncMembership final : public ThreadMembership {
 public:
  bool is_participant(std::string_view user, std::string_view thread) const override;
};

}  // namespace iris::net
