#include "store/queue_store.h"

#include <future>

#include "store/errc.h"

namespace iris::store {
namespace {

template <typename T, typename Start>
Result<T> wait_for(Start start) {
  std::promise<Result<T>> promise;
  auto future = promise.get_future();
  start([&promise](Result<T> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace

Result<AppendResult> QueueStore::append(AppendRequest request) {
  return wait_for<AppendResult>(
      [&](AppendCallback cb) { async_append(std::move(request), std::move(cb)); });
}

Result<Seq> QueueStore::advance_cursor(UserId user, const CursorName& name, Seq to) {
  return wait_for<Seq>([&](SeqCallback cb) { async_advance_cursor(user, name, to, std::move(cb)); });
}

void QueueStore::async_confirm_fanout(std::vector<FanoutRow>, DoneCallback done) {
  done(fail(errc::invalid_request));
}

Result<std::vector<PendingFanout>> QueueStore::pending_fanout(UserId, Seq, std::size_t) const {
  return std::vector<PendingFanout>{};
}

Result<std::size_t> QueueStore::trim_to(UserId user, Seq up_to) {
  return wait_for<std::size_t>([&](CountCallback cb) { async_trim_to(user, up_to, std::move(cb)); });
}

Result<void> QueueStore::claim(UserId user, std::uint64_t term) {
  return wait_for<void>([&](VoidCallback cb) { async_claim(user, term, std::move(cb)); });
}

Result<void> QueueStore::fence_as(const std::string& owner) {
  if (owner.empty() || owner.size() > 255) return fail(errc::invalid_request);
  return {};
}

void QueueStore::async_claim(UserId, std::uint64_t, VoidCallback done) { done(Result<void>{}); }

}  // namespace iris::store
