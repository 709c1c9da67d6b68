#include "store/detail/commit_queue.h"

#include <algorithm>

namespace iris::store::detail {

void CommitQueue::users_of(const QueueOp& op, std::vector<std::uint64_t>& out) {
  out.clear();
  if (const auto* a = std::get_if<AppendOp>(&op)) {
    for (const auto& e : a->request.entries) out.push_back(e.user.value());
    if (a->request.idempotency) out.push_back(a->request.idempotency->sender.value());
  } else if (const auto* c = std::get_if<CursorOp>(&op)) {
    out.push_back(c->user.value());
  } else if (const auto* t = std::get_if<TrimOp>(&op)) {
    out.push_back(t->user.value());
  }
  // A FanoutDoneOp names no user. The rows it removes were committed before anyone could
  // confirm them (the forwarder learns of a row after the sender's commit), and no other
  // operation reads them, so it needs no order against the senders' appends; naming its
  // senders would hold every one of them (many, in a batch) behind it.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

CommitQueue::Push CommitQueue::push(QueueOp& op) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return Push::closed;
    if (pending_.size() >= limits_.max_pending) return Push::full;
    pending_.push_back(std::move(op));
  }
  cv_.notify_one();
  return Push::queued;
}

std::optional<CommitQueue::Taken> CommitQueue::take() {
  std::unique_lock lock(mu_);
  std::vector<std::uint64_t> users;
  std::unordered_set<std::uint64_t> skipped;  // users of operations left waiting in this scan
  std::unordered_set<std::uint64_t> mine;     // users of the group being taken
  for (;;) {
    Taken taken;
    const std::size_t scan = std::min(pending_.size(), limits_.max_scan);
    std::size_t kept = 0;
    skipped.clear();
    mine.clear();
    for (std::size_t i = 0; i < scan; ++i) {
      users_of(pending_[i], users);
      const bool free = taken.ops.size() < limits_.max_group &&
                        std::none_of(users.begin(), users.end(), [&](std::uint64_t u) {
                          return (held_.count(u) && !mine.count(u)) || skipped.count(u);
                        });
      if (free) {
        taken.ops.push_back(std::move(pending_[i]));
        for (auto u : users) {
          if (mine.insert(u).second) {
            held_.insert(u);
            taken.users.push_back(u);
          }
        }
      } else {
        // Later operations of these users wait behind this one: per-user order.
        skipped.insert(users.begin(), users.end());
        if (kept != i) pending_[kept] = std::move(pending_[i]);
        ++kept;
      }
    }
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(kept),
                   pending_.begin() + static_cast<std::ptrdiff_t>(scan));
    if (!taken.ops.empty()) {
      // What is left may be free for another thread (its users were not the ones held).
      if (!pending_.empty()) cv_.notify_one();
      return taken;
    }
    if (closed_ && pending_.empty()) return std::nullopt;
    cv_.wait(lock);
  }
}

void CommitQueue::done(const Taken& taken) {
  {
    std::lock_guard lock(mu_);
    for (auto u : taken.users) held_.erase(u);
  }
  cv_.notify_all();
}

void CommitQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

}  // namespace iris::store::detail
