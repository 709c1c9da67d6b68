#pragma once
// What to answer a device's resume (DESIGN.md "The sync protocol", step 3): stream the whole
// range after its last_seq, or a typed Resync. Never a partial catch-up. Pure: the queue's
// position comes in, the decision goes out.

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "store/queue_store.h"
#include "wire/messages.h"

namespace iris::sync {

// Stream seqs [from, to] (empty when from > to: the device is up to date), then go live.
struct StreamPlan {
  core::Seq from;
  core::Seq to;
  bool operator==(const StreamPlan&) const = default;
};

using ResumeDecision = std::variant<StreamPlan, wire::Resync>;

// Rules, in order:
//  - epoch_changed: the device's epoch is not the queue's, or it claims a seq past the head
//    (its state comes from another incarnation of the queue);
//  - too_old: updates right after its last_seq were trimmed;
//  - backlog_too_large: more updates are missing than the device said it can take
//    (max_updates; 0 means no limit);
//  - otherwise stream (last_seq, head].
// A queue that does not exist yet has no epoch: a device with epoch 0 and seq 0 is up to
// date with it.
ResumeDecision plan_resume(const wire::ResumeRequest& request, const store::QueueInfo& queue);

// Thread-scoped resync (DESIGN.md step 3: "scoped to one thread when only that thread's
// state is in doubt"). When a backlog is over the device's max_updates only because of one
// busy thread, the device need not start over: it gets Resync{backlog_too_large, thread},
// then the whole range as folded catch-up batches with that thread's updates left out,
// and refetches that one thread's state. Returns the thread whose updates, removed from
// `backlog`, leave at most `max_updates` (the busiest one if several would), or nullopt
// when no single thread does (a full resync) or when max_updates is 0 (no limit).
// Counts are of raw updates, before folding: a conservative measure of the device's work.
std::optional<core::ThreadId> thread_to_resync(const std::vector<core::Update>& backlog,
                                               std::uint32_t max_updates);

// `updates` without those of `thread`, order kept: the catch-up of a thread-scoped resync.
std::vector<core::Update> without_thread(std::vector<core::Update> updates, core::ThreadId thread);

}  // namespace iris::sync
