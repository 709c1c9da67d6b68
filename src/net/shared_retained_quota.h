#pragma once
// SharedRetainedQuota: the one retained-message ledger of a multi-shard server. Every
// shard's Broker asks it (Broker::set_retained_quota) when one of its clients sets or clears
// a retained message, so the bounds (MqttOptions::max_retained_*) hold over the whole
// server, not per shard's replica. A mutex, held for one map update, is the price: retained
// PUBLISHes are rare next to plain ones, which never come here.

#include <mutex>

#include "mqtt/retained_quota.h"

namespace iris::net {

class SharedRetainedQuota final : public mqtt::RetainedQuota {
 public:
  explicit SharedRetainedQuota(const mqtt::MqttOptions& options) : ledger_(options) {}

  std::optional<mqtt::RetainedLimit> admit(std::string_view user, std::string_view topic,
                                           std::size_t bytes) override {
    const std::lock_guard lock(mutex_);
    return ledger_.admit(user, topic, bytes);
  }
  void release(std::string_view topic) override {
    const std::lock_guard lock(mutex_);
    ledger_.release(topic);
  }

 private:
  std::mutex mutex_;
  mqtt::RetainedLedger ledger_;  // GUARDED_BY(mutex_)
};

}  // namespace iris::net
