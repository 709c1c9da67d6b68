#include "sync/fanout_plan.h"

#include <algorithm>

namespace iris::sync {

void split_by_owner(store::AppendRequest& request, core::UserId sender, const OwnsUser& owns) {
  std::vector<store::AppendEntry> kept;
  std::vector<core::UserId> remote;
  kept.reserve(request.entries.size());
  for (auto& e : request.entries) {
    if (e.user == sender || owns(e.user)) {
      kept.push_back(std::move(e));
    } else if (std::find(remote.begin(), remote.end(), e.user) == remote.end()) {
      remote.push_back(e.user);
    }
  }
  request.entries = std::move(kept);
  if (!remote.empty()) request.fanout = store::FanoutNote{sender, std::move(remote)};
}

core::IdempotencyKey fanout_key(core::UserId sender, core::Seq seq, core::UserId recipient) {
  // "fanout-s" and "fanout-r" in ASCII: fixed, so every server of a cell derives one key.
  constexpr std::uint64_t k1 = 0x66616e6f75742d73ull, k2 = 0x66616e6f75742d72ull;
  return core::IdempotencyKey{sender, core::ClientMsgId{seq.value() ^ k1, recipient.value() ^ k2}};
}

}  // namespace iris::sync
