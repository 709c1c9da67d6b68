#pragma once
// SharedGroupRegistry: the one directory of shared subscription groups of a multi-shard
// server (mqtt/shared_groups.h). Every shard's Broker registers its sessions' shared
// subscriptions here (Broker::set_shared_groups) and asks it, once per message that matches a
// group, which member receives the message on every shard. A mutex, held for one table
// update or one choice, is the price; generation() is an atomic read, so a broker checks
// whether its replica of the group list is current without the lock, and messages that match
// no group never come here.

#include <atomic>
#include <mutex>

#include "mqtt/shared_groups.h"

namespace iris::net {

class SharedGroupRegistry final : public mqtt::SharedGroups {
 public:
  void join(std::string_view share, std::string_view filter, mqtt::SharedMember member,
            mqtt::MemberState state) override {
    const std::lock_guard lock(mutex_);
    table_.join(share, filter, member, state);
    generation_.store(table_.generation(), std::memory_order_release);
  }
  void leave(std::string_view share, std::string_view filter,
             mqtt::SharedMember member) override {
    const std::lock_guard lock(mutex_);
    table_.leave(share, filter, member);
    generation_.store(table_.generation(), std::memory_order_release);
  }
  std::uint64_t generation() const override {
    return generation_.load(std::memory_order_acquire);
  }
  std::uint64_t groups(std::vector<mqtt::SharedGroupKey>& out) const override {
    const std::lock_guard lock(mutex_);
    return table_.groups(out);
  }
  void choose(std::span<const mqtt::SharedGroupKey* const> groups,
              std::vector<mqtt::SharedPick>& out) override {
    const std::lock_guard lock(mutex_);
    table_.choose(groups, out);
  }

 private:
  mutable std::mutex mutex_;
  mqtt::SharedGroupTable table_;  // GUARDED_BY(mutex_)
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace iris::net
