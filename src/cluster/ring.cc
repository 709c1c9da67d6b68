#include "cluster/ring.h"

#include <algorithm>
#include <bit>

#include "cluster/ring_hash.h"

namespace iris::cluster {

Ring::Ring(std::vector<ServerInfo> servers) : servers_(std::move(servers)) {
  std::sort(servers_.begin(), servers_.end(),
            [](const ServerInfo& a, const ServerInfo& b) { return a.name < b.name; });
  for (std::uint32_t s = 0; s < servers_.size(); ++s) {
    for (const std::uint64_t t : servers_[s].tokens) points_.push_back({t, s});
  }
  // servers_ is sorted by name, so ordering ties by index orders them by name.
  std::sort(points_.begin(), points_.end(), [](const Point& a, const Point& b) {
    return a.position != b.position ? a.position < b.position : a.server < b.server;
  });
  points_.erase(std::unique(points_.begin(), points_.end(),
                            [](const Point& a, const Point& b) { return a.position == b.position; }),
                points_.end());
  if (points_.empty()) return;
  // About one point per bucket: 2^k >= points, k <= 24 (a 64 MiB table at most).
  const unsigned bits = std::min(24u, static_cast<unsigned>(std::bit_width(points_.size())));
  bucket_shift_ = 64 - bits;
  buckets_.assign((std::size_t{1} << bits) + 1, 0);
  std::size_t p = 0;
  for (std::size_t b = 0; b + 1 < buckets_.size(); ++b) {
    const std::uint64_t start = static_cast<std::uint64_t>(b) << bucket_shift_;
    while (p < points_.size() && points_[p].position < start) ++p;
    buckets_[b] = static_cast<std::uint32_t>(p);
  }
  buckets_.back() = static_cast<std::uint32_t>(points_.size());
}

std::optional<std::size_t> Ring::owner_of_position(std::uint64_t position) const {
  if (points_.empty()) return std::nullopt;
  const std::size_t b = bucket_shift_ == 64 ? 0 : static_cast<std::size_t>(position >> bucket_shift_);
  std::size_t i = buckets_[b];
  const std::size_t end = buckets_[b + 1];
  while (i < end && points_[i].position < position) ++i;
  if (i == points_.size()) i = 0;  // past the last token: wrap to the first
  return points_[i].server;
}

std::optional<std::size_t> Ring::owner_of(core::UserId user) const {
  return owner_of_position(mix64(user.value()));
}

std::string_view Ring::owner_name(core::UserId user) const {
  const auto s = owner_of(user);
  return s ? std::string_view(servers_[*s].name) : std::string_view();
}

std::vector<double> Ring::shares() const {
  std::vector<double> share(servers_.size(), 0.0);
  if (points_.empty()) return share;
  constexpr double kSpace = 18446744073709551616.0;  // 2^64
  for (std::size_t i = 0; i < points_.size(); ++i) {
    // Point i holds the arc (previous point, this point]; the first holds the wrap-around.
    const std::uint64_t prev = i == 0 ? points_.back().position : points_[i - 1].position;
    const std::uint64_t arc = points_[i].position - prev;  // mod 2^64
    share[points_[i].server] += (points_.size() == 1 ? kSpace : static_cast<double>(arc)) / kSpace;
  }
  return share;
}

}  // namespace iris::cluster
