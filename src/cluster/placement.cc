#include "cluster/placement.h"

#include <algorithm>

#include "cluster/ring_hash.h"

namespace iris::cluster {

std::uint64_t placement_score(std::string_view cell, core::UserId user) {
  return mix64(fnv1a64(cell) ^ mix64(user.value()));
}

Placement::Placement(std::vector<CellState> cells, std::map<core::UserId, std::string> overrides)
    : cells_(std::move(cells)), overrides_(std::move(overrides)) {
  std::sort(cells_.begin(), cells_.end(), [](const CellState& a, const CellState& b) { return a.name < b.name; });
  cells_.erase(std::unique(cells_.begin(), cells_.end(),
                           [](const CellState& a, const CellState& b) { return a.name == b.name; }),
               cells_.end());
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    if (!cells_[i].enabled) continue;
    enabled_seeds_.push_back(fnv1a64(cells_[i].name));
    enabled_index_.push_back(i);
  }
}

std::optional<std::string> Placement::hashed_cell_of(core::UserId user) const {
  if (enabled_index_.empty()) return std::nullopt;
  const std::uint64_t u = mix64(user.value());
  std::size_t best = 0;
  std::uint64_t best_score = mix64(enabled_seeds_[0] ^ u);
  for (std::size_t i = 1; i < enabled_seeds_.size(); ++i) {
    const std::uint64_t s = mix64(enabled_seeds_[i] ^ u);
    // Ties (astronomically rare) go to the smaller name: cells_ is sorted, keep the first.
    if (s > best_score) {
      best_score = s;
      best = i;
    }
  }
  return cells_[enabled_index_[best]].name;
}

std::optional<std::string> Placement::cell_of(core::UserId user) const {
  if (auto it = overrides_.find(user); it != overrides_.end()) return it->second;
  return hashed_cell_of(user);
}

}  // namespace iris::cluster
