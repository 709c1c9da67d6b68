#include "mqtt/retained_quota.h"

namespace iris::mqtt {

std::string_view config_key(RetainedLimit limit) {
  switch (limit) {
    case RetainedLimit::total_count: return "mqtt.max_retained_messages";
    case RetainedLimit::total_bytes: return "mqtt.max_retained_bytes";
    case RetainedLimit::user_count: return "mqtt.max_retained_messages_per_user";
    case RetainedLimit::user_bytes: return "mqtt.max_retained_bytes_per_user";
  }
  return "mqtt.max_retained_messages";
}

RetainedLedger::RetainedLedger(const MqttOptions& o)
    : max_count_(o.max_retained_messages),
      max_bytes_(o.max_retained_bytes),
      max_user_count_(o.max_retained_messages_per_user),
      max_user_bytes_(o.max_retained_bytes_per_user) {}

std::optional<RetainedLimit> RetainedLedger::admit(std::string_view user, std::string_view topic,
                                                   std::size_t bytes) {
  const auto old = topics_.find(topic);
  const bool same_user = old != topics_.end() && old->second.user == user;
  // What the totals become: the old entry (if any) leaves, the new one comes in.
  const std::size_t old_bytes = old == topics_.end() ? 0 : old->second.bytes;
  const std::size_t count = topics_.size() + (old == topics_.end() ? 1 : 0);
  const std::size_t total = bytes_ - old_bytes + bytes;
  const auto u = users_.find(std::string(user));
  const Usage mine = u == users_.end() ? Usage{} : u->second;
  const std::size_t user_count = mine.count + (same_user ? 0 : 1);
  const std::size_t user_bytes = mine.bytes - (same_user ? old_bytes : 0) + bytes;
  // Only a bound that grows is checked, so lowering a limit never blocks a shrinking update.
  if (count > topics_.size() && count > max_count_) return RetainedLimit::total_count;
  if (total > bytes_ && total > max_bytes_) return RetainedLimit::total_bytes;
  if (user_count > mine.count && user_count > max_user_count_) return RetainedLimit::user_count;
  if (user_bytes > mine.bytes && user_bytes > max_user_bytes_) return RetainedLimit::user_bytes;
  if (old != topics_.end()) remove(old);
  topics_.emplace(std::string(topic), Entry{std::string(user), bytes});
  Usage& now = users_[std::string(user)];
  ++now.count;
  now.bytes += bytes;
  bytes_ += bytes;
  return std::nullopt;
}

void RetainedLedger::release(std::string_view topic) {
  const auto it = topics_.find(topic);
  if (it != topics_.end()) remove(it);
}

void RetainedLedger::remove(std::map<std::string, Entry, std::less<>>::iterator it) {
  const auto u = users_.find(it->second.user);
  if (u != users_.end()) {
    --u->second.count;
    u->second.bytes -= it->second.bytes;
    if (u->second.count == 0) users_.erase(u);
  }
  bytes_ -= it->second.bytes;
  topics_.erase(it);
}

}  // namespace iris::mqtt
