#pragma once
// Catch-up folding (DESIGN.md, "Catch-up folding"): when a device catches up a range of its
// queue, updates that offset each other are folded so it receives less and applies less,
// yet ends in exactly the state it would reach by applying every update.
//
// Rules, over one range:
//  - a message created and deleted in the range vanishes (with its edits);
//  - a message created in the range arrives with its final text: its edits are folded into
//    the MessageCreated, which keeps its own seq;
//  - of several edits to an older message only the last is kept; edits of an older message
//    deleted in the range are dropped (the MessageDeleted stays);
//  - read receipts are watermarks: only the last per (thread, reader) is kept;
//  - renames: only the last per thread; a thread created in the range takes its final name
//    into the ThreadCreated.
// Survivors keep their seqs and order. The caller still names the whole range
// (first_seq..last_seq) in the batch, so the device's position advances over folded seqs.

#include <span>
#include <vector>

#include "core/update.h"

namespace iris::core {

// Requires: `range` is in seq order. Returns the surviving updates, in seq order.
std::vector<Update> fold(std::span<const Update> range);

}  // namespace iris::core
