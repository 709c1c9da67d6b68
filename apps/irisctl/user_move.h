#pragma once
// irisctl user move USER CELL (docs/CLUSTER.md "Moving a user to another cell"): fences the
// user in its current cell's store, copies its rows to the target cell's store, writes the
// placement override; the current cell's servers then send its devices on. Re-running it
// after a crash finishes the move; aimed at the current cell, it undoes a half-done one.

#include <string>

#include "base/result.h"
#include "core/ids.h"
#include "ops/options.h"

namespace iris::ops {

// Returns what was done, one line; `error` says why not.
Result<std::string> move_user(const Options& options, core::UserId user, const std::string& target, std::string& error);

}  // namespace iris::ops
