#pragma once
// What to answer a device's resume (DESIGN.md "The sync protocol", step 3): stream the whole
// range after its last_seq, or a typed Resync. Never a partial catch-up. Pure: the queue's
// position comes in, the decision goes out.

#include <variant>

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

}  // namespace iris::sync
