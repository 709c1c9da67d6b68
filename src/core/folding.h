#pragma once
// Catch-up folding (DESIGN.md, "Catch-up folding"): when a device catches up a range of its
// queue, updates that offset each other are folded so it receives less and applies less,
// yet ends in exactly the state it would reach by applying every update.
//
// Rules, over one range:
//  - a message created and deleted (unsent, or deleted for me) in the range vanishes with
//    its edits and reactions; fold_range() counts it per thread (FoldResult::vanished), so a
//    device that keeps a counter of a thread's messages still learns it moved;
//  - a message created in the range arrives with its final text: its edits are folded into
//    the MessageCreated, which keeps its own seq and says how many edits it took in
//    (MessageCreated::edit_count);
//  - of several edits to an older message only the last is kept (its edit_count is the
//    message's total); edits of an older message deleted in the range are dropped (the
//    MessageDeleted stays);
//  - reactions: only the last per (message, user); none of a message deleted in the range;
//    a final "taken back" of a message created in the range is dropped (the device never
//    saw the reaction);
//  - read receipts are watermarks: only the last per (thread, reader) is kept;
//  - renames: only the last per thread; a thread created in the range takes its final name
//    into the ThreadCreated.
// Survivors keep their seqs and order. The caller still names the whole range
// (first_seq..last_seq) in the batch, so the device's position advances over folded seqs.

#include <cstdint>
#include <span>
#include <vector>

#include "core/update.h"

namespace iris::core {

// Messages of one thread created and deleted inside a folded range: none of their updates
// survive, so this count is all the device learns of them.
struct VanishedMessages {
  ThreadId thread;
  std::uint32_t messages = 0;
  bool operator==(const VanishedMessages&) const = default;
};

struct FoldResult {
  std::vector<Update> updates;             // the survivors, in seq order
  std::vector<VanishedMessages> vanished;  // by thread id, threads with none left out
};

// Requires: `range` is in seq order.
FoldResult fold_range(std::span<const Update> range);

// fold_range(range).updates.
std::vector<Update> fold(std::span<const Update> range);

}  // namespace iris::core
