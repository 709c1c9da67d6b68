#include "sync/resume_planner.h"

#include "core/retention.h"

namespace iris::sync {

ResumeDecision plan_resume(const wire::ResumeRequest& request, const store::QueueInfo& queue) {
  auto resync = [&](wire::ResyncReason reason) {
    return wire::Resync{reason, queue.epoch, queue.head, std::nullopt, std::nullopt};
  };
  if (request.epoch != queue.epoch || request.last_seq > queue.head) {
    return resync(wire::ResyncReason::epoch_changed);
  }
  if (core::must_resync(request.last_seq, queue.first_retained)) {
    return resync(wire::ResyncReason::too_old);
  }
  const std::uint64_t missing = queue.head.value() - request.last_seq.value();
  if (request.max_updates != 0 && missing > request.max_updates) {
    return resync(wire::ResyncReason::backlog_too_large);
  }
  return StreamPlan{core::next(request.last_seq), queue.head};
}

}  // namespace iris::sync
