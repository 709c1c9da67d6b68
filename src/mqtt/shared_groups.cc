#include "mqtt/shared_groups.h"

#include <algorithm>

namespace iris::mqtt {

void SharedGroupTable::join(std::string_view share, std::string_view filter, SharedMember member,
                            MemberState state) {
  auto it = groups_.find(KeyView{share, filter});
  if (it == groups_.end()) {
    it = groups_.emplace(SharedGroupKey{std::string(share), std::string(filter)}, Group{}).first;
    ++generation_;
  }
  auto& members = it->second.members;
  const auto m = std::find_if(members.begin(), members.end(),
                              [&](const Member& x) { return x.id == member; });
  if (m != members.end()) {
    m->state = state;
  } else {
    members.push_back({member, state});
  }
}

void SharedGroupTable::leave(std::string_view share, std::string_view filter,
                             SharedMember member) {
  const auto it = groups_.find(KeyView{share, filter});
  if (it == groups_.end()) return;
  Group& g = it->second;
  const auto m = std::find_if(g.members.begin(), g.members.end(),
                              [&](const Member& x) { return x.id == member; });
  if (m == g.members.end()) return;
  // Keep the turn on the member that was next: those after the removed one move down.
  const auto index = static_cast<std::size_t>(m - g.members.begin());
  if (index < g.next) --g.next;
  g.members.erase(m);
  if (g.members.empty()) {
    groups_.erase(it);
    ++generation_;
  }
}

std::uint64_t SharedGroupTable::groups(std::vector<SharedGroupKey>& out) const {
  out.clear();
  out.reserve(groups_.size());
  for (const auto& [key, group] : groups_) out.push_back(key);
  return generation_;
}

void SharedGroupTable::choose(std::span<const SharedGroupKey* const> keys,
                              std::vector<SharedPick>& out) {
  for (const SharedGroupKey* key : keys) {
    const auto it = groups_.find(KeyView{key->share, key->filter});
    if (it == groups_.end()) continue;  // went since the caller's replica was taken
    Group& g = it->second;
    const std::size_t n = g.members.size();
    std::size_t pick = g.next % n;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (g.next + k) % n;
      if (g.members[i].state == MemberState::connected) {
        pick = i;
        break;
      }
    }
    g.next = pick + 1;
    out.push_back({key->share, key->filter, g.members[pick].id});
  }
}

}  // namespace iris::mqtt
