#include "sync/fanout_tracker.h"

namespace iris::sync {

bool FanoutTracker::admit(FanoutKey key, std::set<std::string> owners) {
  if (owners.empty() || items_.size() >= max_items_ || items_.count(key) != 0) return false;
  items_.emplace(key, Item{std::move(owners)});
  return true;
}

bool FanoutTracker::confirmed(FanoutKey key, const std::string& owner) {
  const auto it = items_.find(key);
  if (it == items_.end() || it->second.outstanding.erase(owner) == 0) return false;
  return it->second.outstanding.empty();
}

void FanoutTracker::failed(FanoutKey key) {
  const auto it = items_.find(key);
  // A row being removed has been confirmed everywhere: nothing left to fail.
  if (it != items_.end() && !it->second.outstanding.empty()) items_.erase(it);
}

std::vector<FanoutKey> FanoutTracker::fail_owner(const std::string& owner) {
  std::vector<FanoutKey> out;
  for (auto it = items_.begin(); it != items_.end();) {
    if (it->second.outstanding.count(owner) != 0) {
      out.push_back(it->first);
      it = items_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

}  // namespace iris::sync
