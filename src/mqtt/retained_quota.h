#pragma once
// RetainedQuota: the bound on retained messages (MqttOptions::max_retained_*), per user and
// in total, counted in messages and bytes (topic + payload). The Broker asks it once per
// retained PUBLISH or Will of one of its clients, before routing it; a refused message is not
// routed at all (5.0: PUBACK/PUBREC 0x97; 3.1.1: dropped and logged).
//
// Why an interface: with several shards every broker holds a replica of the retained store,
// and a bound checked against a replica could be passed by two shards at once. So the
// decision is taken once, where the message enters, against one ledger all shards share
// (net/ wraps RetainedLedger in a mutex); the replicas then apply only admitted messages.
// A single Broker uses its own RetainedLedger.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mqtt/options.h"

namespace iris::mqtt {

// Which bound refused a retained message: names the config key in the log line.
enum class RetainedLimit : std::uint8_t { total_count, total_bytes, user_count, user_bytes };
std::string_view config_key(RetainedLimit limit);

class RetainedQuota {
 public:
  virtual ~RetainedQuota() = default;
  // Records that `topic` now retains a message of `bytes` published by `user` (replacing
  // what it retained), unless that would pass a bound: then returns that bound and records
  // nothing. A change that adds nothing to a total (same or smaller size, same user) is
  // never refused.
  virtual std::optional<RetainedLimit> admit(std::string_view user, std::string_view topic,
                                             std::size_t bytes) = 0;
  // `topic` retains nothing any more (an empty retained PUBLISH).
  virtual void release(std::string_view topic) = 0;
};

// The ledger itself: pure, single-threaded. Memory: one entry per retained topic.
class RetainedLedger final : public RetainedQuota {
 public:
  explicit RetainedLedger(const MqttOptions& options);

  std::optional<RetainedLimit> admit(std::string_view user, std::string_view topic,
                                     std::size_t bytes) override;
  void release(std::string_view topic) override;

  std::size_t count() const { return topics_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct Usage {
    std::size_t count = 0;
    std::size_t bytes = 0;
  };
  struct Entry {
    std::string user;
    std::size_t bytes = 0;
  };
  void remove(std::map<std::string, Entry, std::less<>>::iterator it);

  const std::size_t max_count_;
  const std::size_t max_bytes_;
  const std::size_t max_user_count_;
  const std::size_t max_user_bytes_;
  std::map<std::string, Entry, std::less<>> topics_;
  std::unordered_map<std::string, Usage> users_;
  std::size_t bytes_ = 0;
};

}  // namespace iris::mqtt
