#include "cluster/move_plan.h"

namespace iris::cluster {
namespace {
constexpr std::string_view kMovedPrefix = "moved:";
}  // namespace

std::string moved_owner(std::string_view target_cell) {
  return std::string(kMovedPrefix) + std::string(target_cell);
}

std::optional<std::string> moved_to(std::string_view owner) {
  if (!owner.starts_with(kMovedPrefix) || owner.size() == kMovedPrefix.size()) return std::nullopt;
  return std::string(owner.substr(kMovedPrefix.size()));
}

MovePlan plan_move(const MoveState& state, std::string_view target) {
  using Kind = MovePlan::Kind;
  if (target == state.current_cell) {
    if (!state.fenced_to) return {Kind::already_there, {}};
    return {Kind::undo, {}};
  }
  if (!state.fenced_to) return {Kind::move, {}};
  if (*state.fenced_to == target) return {Kind::resume, {}};
  return {Kind::refuse, "a move of this user to cell " + *state.fenced_to +
                            " is half done: finish it (user move USER " + *state.fenced_to +
                            ") or undo it (user move USER " + state.current_cell + ") first"};
}

}  // namespace iris::cluster
