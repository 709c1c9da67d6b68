#pragma once
// MovePlan: what `irisctl user move USER CELL` still has to do, decided from what it reads
// (docs/CLUSTER.md "Moving a user to another cell"). Pure.
//
// A move is four steps, each durable before the next starts:
//   1. fence: the user's owner row in the current cell's store is marked moved to the target
//      ("moved:<cell>", the highest term), so every append of the current cell's servers for
//      the user is refused (not_owner) and no claim can take it back;
//   2. copy: the queue, cursors, idempotency records and pending fan-out rows go to the
//      target cell's store in one transaction, replacing whatever that store held of the user;
//   3. place: the placement override names the target cell;
//   4. redirect: the current cell's servers see the override and tell the user's devices to
//      reconnect (each server does this itself when its copy of the directory changes).
// The plan is computed from the placement and the fence in the current cell's store alone,
// so a re-run after a crash at any point finishes the move (or, aimed back at the current
// cell, undoes it): after 1 or 2 the copy is made again (the target has served nothing of
// the user yet: the placement still names the current cell); after 3 the move is done.

#include <optional>
#include <string>
#include <string_view>

namespace iris::cluster {

// The owner name a fenced (moved-away) user's row holds: "moved:<cell>".
std::string moved_owner(std::string_view target_cell);
// The target cell of a moved-away owner name, nullopt when `owner` is a server's name.
std::optional<std::string> moved_to(std::string_view owner);

struct MoveState {
  std::string current_cell;                 // the user's cell by the placement now
  std::optional<std::string> fenced_to;     // the fence in current_cell's store, if any
};

struct MovePlan {
  enum class Kind {
    already_there,  // target == current and no half-done move: nothing to do
    move,           // steps 1, 2, 3 (a fresh move)
    resume,         // steps 2, 3 (fenced to this target already: a re-run after a crash)
    undo,           // target == current, fenced to another cell: remove the fence
    refuse,         // fenced to a third cell: finish or undo that move first
  };
  Kind kind = Kind::refuse;
  std::string why;  // for refuse: what the operator should do
};

MovePlan plan_move(const MoveState& state, std::string_view target_cell);

}  // namespace iris::cluster
