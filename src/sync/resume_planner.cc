#include "sync/resume_planner.h"

#include <algorithm>
#include <unordered_map>

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

std::optional<core::ThreadId> thread_to_resync(const std::vector<core::Update>& backlog,
                                               std::uint32_t max_updates) {
  if (max_updates == 0 || backlog.size() <= max_updates) return std::nullopt;
  std::unordered_map<core::ThreadId, std::size_t> counts;
  for (const auto& u : backlog) ++counts[u.thread];
  std::optional<core::ThreadId> busiest;
  std::size_t most = 0;
  for (const auto& [thread, n] : counts) {
    // Ties go to the smaller id, so the answer does not depend on hash order.
    if (n > most || (n == most && busiest && thread < *busiest)) {
      busiest = thread;
      most = n;
    }
  }
  if (!busiest || backlog.size() - most > max_updates) return std::nullopt;
  return busiest;
}

std::vector<core::Update> without_thread(std::vector<core::Update> updates, core::ThreadId thread) {
  std::erase_if(updates, [thread](const core::Update& u) { return u.thread == thread; });
  return updates;
}

}  // namespace iris::sync
