#include "cluster/directory.h"

namespace iris::cluster {

Directory::Directory(std::vector<DirectoryCell> cells, std::map<core::UserId, std::string> overrides,
                     std::uint64_t version)
    : version_(version) {
  std::vector<CellState> states;
  states.reserve(cells.size());
  for (auto& cell : cells) {
    states.push_back({cell.name, cell.enabled});
    rings_.insert_or_assign(cell.name, Ring(std::move(cell.servers)));
  }
  placement_ = Placement(std::move(states), std::move(overrides));
}

std::optional<Route> Directory::route(core::UserId user) const {
  auto cell = placement_.cell_of(user);
  if (!cell) return std::nullopt;
  const auto ring = rings_.find(*cell);
  if (ring == rings_.end()) return std::nullopt;  // an override naming a cell that is gone
  const auto owner = ring->second.owner_of(user);
  if (!owner) return std::nullopt;
  Route r;
  r.overridden = placement_.overrides().contains(user);
  r.cell = std::move(*cell);
  r.server = ring->second.servers()[*owner];
  return r;
}

}  // namespace iris::cluster
