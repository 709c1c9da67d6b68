#pragma once
// Placement: which cell a user lives in (DESIGN.md "The cell", issue 19's discovery). Pure.
//
// By default a user goes to the enabled cell with the highest score mix64(fnv1a64(cell) ^
// mix64(user)) (rendezvous hashing): every reader computes the same answer from the same
// list of cells, in any order, and enabling or disabling one cell moves only the users that
// go to or come from that cell. An override (a user moved by an operator) wins over the hash,
// whether or not its cell is enabled: a disabled cell takes no NEW users, but keeps those
// it has. Like ring_hash.h, the score is part of the deployment's protocol.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace iris::cluster {

struct CellState {
  std::string name;
  bool enabled = true;
  bool operator==(const CellState&) const = default;
};

class Placement {
 public:
  Placement() = default;
  Placement(std::vector<CellState> cells, std::map<core::UserId, std::string> overrides);

  // The user's cell, or nullopt when no cell is enabled and the user has no override.
  std::optional<std::string> cell_of(core::UserId user) const;
  // The cell the hash gives the user, ignoring overrides.
  std::optional<std::string> hashed_cell_of(core::UserId user) const;

  const std::vector<CellState>& cells() const { return cells_; }
  const std::map<core::UserId, std::string>& overrides() const { return overrides_; }

 private:
  std::vector<CellState> cells_;  // sorted by name
  std::vector<std::uint64_t> enabled_seeds_;  // fnv1a64 of each enabled cell, same order
  std::vector<std::size_t> enabled_index_;    // into cells_
  std::map<core::UserId, std::string> overrides_;
};

std::uint64_t placement_score(std::string_view cell, core::UserId user);

}  // namespace iris::cluster
