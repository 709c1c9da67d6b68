#include "store/detail/sender_shares.h"

namespace iris::store::detail {

Result<void> SenderShares::check(core::UserId owner, std::uint64_t retained, core::UserId actor,
                                 std::uint64_t n, const Scan& scan) {
  if (max_share_ == 0 || actor == owner) return {};
  if (n > max_share_) return fail(core::errc::share_full);
  if (retained + n <= max_share_) return {};  // nobody can hold more than the whole queue
  auto it = counts_.find(owner);
  if (it == counts_.end()) {
    auto counts = scan(owner);
    if (!counts) return fail(counts.error());
    it = counts_.emplace(owner, std::move(*counts)).first;
  }
  const auto have = it->second.find(actor);
  const std::uint64_t held = have == it->second.end() ? 0 : have->second;
  if (held + n > max_share_) return fail(core::errc::share_full);
  return {};
}

void SenderShares::added(core::UserId owner, core::UserId actor, std::uint64_t n) {
  if (actor == owner) return;
  if (auto it = counts_.find(owner); it != counts_.end()) it->second[actor] += n;
}

}  // namespace iris::store::detail
