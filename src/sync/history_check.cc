#include "sync/history_check.h"

#include "core/thread_fold.h"

namespace iris::sync {
namespace {

// History keeps an unsent message's create and edits without their content (HistoryStore's
// contract) while the queue may still retain them whole: such a pair is the same update.
bool same_update(const core::Update& history, const core::Update& queue) {
  if (history == queue) return true;
  core::Update stripped = queue;
  core::strip_unsent(stripped.body);
  return stripped != queue && history == stripped;
}

}  // namespace

Result<HistoryCheck> check_history(const store::QueueStore& queue,
                                   const store::HistoryStore& history, core::UserId user) {
  constexpr std::size_t kChunk = 1024;
  auto info = queue.info(user);
  if (!info) return fail(info.error());
  auto pos = history.position(user);
  if (!pos) return fail(pos.error());
  HistoryCheck check;
  check.queue_head = info->head;
  check.history_seq = pos->epoch == info->epoch ? pos->seq : core::Seq{0};
  for (core::Seq from = info->first_retained; from <= info->head;) {
    auto q = queue.read(user, from, kChunk);
    if (!q) return fail(q.error());
    if (q->empty()) break;
    auto h = history.updates(user, from, q->size());
    if (!h) return fail(h.error());
    for (std::size_t i = 0; i < q->size(); ++i) {
      if (i >= h->size() || !same_update((*h)[i], (*q)[i]) || pos->epoch != info->epoch) {
        check.first_difference = (*q)[i].seq;
        return check;
      }
      ++check.compared;
    }
    from = core::next(q->back().seq);
  }
  // Anything history holds beyond the queue's head would be an update the queue never had.
  if (auto extra = history.updates(user, core::next(info->head), 1); !extra) {
    return fail(extra.error());
  } else if (!extra->empty()) {
    check.first_difference = extra->front().seq;
  }
  return check;
}

}  // namespace iris::sync
