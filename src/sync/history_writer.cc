#include "sync/history_writer.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "base/log.h"
#include "base/thread_name.h"
#include "core/errc.h"

namespace iris::sync {

namespace {

// Linux: nice values are per thread (setpriority on the thread id). Failure (a container that
// forbids it) only means the writer competes as an equal.
void lower_priority(int nice) {
  if (nice == 0) return;
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice) != 0) {
    IRIS_LOG(info, "history", "history writer keeps the default CPU priority: setpriority failed");
  }
}

}  // namespace

core::Timestamp HistoryWriter::system_clock() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

HistoryWriter::HistoryWriter(store::QueueStore& queue, store::HistoryStore& history,
                             const HistoryWriterOptions& options, Clock now)
    : queue_(queue), history_(history), options_(options), now_(std::move(now)) {}

HistoryWriter::~HistoryWriter() { stop(); }

Result<void> HistoryWriter::track_all_queues() {
  core::UserId after{0};
  bool first = true;
  for (;;) {
    auto page = queue_.users(after, 4096);
    if (!page) return fail(page.error());
    // users() starts after `after`, so user 0 (if it exists) needs the first page from 0.
    if (first) {
      first = false;
      if (auto info = queue_.info(core::UserId{0}); info && info->exists()) enqueue(core::UserId{0}, true);
    }
    if (page->empty()) return {};
    for (auto u : *page) enqueue(u, true);  // what arrived while stopped: no reason to wait
    after = page->back();
  }
}

void HistoryWriter::notify(core::UserId user) { enqueue(user, options_.user_delay.count() == 0); }

void HistoryWriter::enqueue(core::UserId user, bool ready) {
  {
    std::lock_guard lock(mu_);
    if (!queued_.insert(user).second) return;
    if (ready) {
      dirty_.push_back(user);
    } else {
      waiting_.push_back({user, now_() + options_.user_delay});
    }
  }
  cv_.notify_one();
}

bool HistoryWriter::waited(const Waiting& w, core::Timestamp now) const {
  // A due time further away than a whole delay means the wall clock went back: the wait is
  // over rather than stretched by the jump.
  return w.due <= now || w.due - now > options_.user_delay;
}

void HistoryWriter::promote_locked(bool wait_delay) {
  const core::Timestamp now = now_();
  while (!waiting_.empty() && (!wait_delay || waited(waiting_.front(), now))) {
    dirty_.push_back(waiting_.front().user);
    waiting_.pop_front();
  }
}

void HistoryWriter::start() {
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] {
    name_this_thread("iris-history");
    lower_priority(options_.nice);
    loop();
  });
}

void HistoryWriter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool HistoryWriter::flush(std::chrono::milliseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (!idle()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (!pass(false)) return false;  // history (or the queue) failed: no point waiting
  }
  return true;
}

bool HistoryWriter::idle() const {
  std::lock_guard lock(mu_);
  return dirty_.empty() && waiting_.empty();
}

HistoryWriter::Metrics HistoryWriter::metrics() const {
  const core::Timestamp now = now_();
  std::lock_guard lock(mu_);
  Metrics m = metrics_;
  m.users_behind = lag_.size();
  m.storage_lag = {};
  for (const auto& [user, l] : lag_) m.storage_lag = worst(m.storage_lag, cursor_lag(l.head, l.applied, l.oldest, now));
  return m;
}

void HistoryWriter::loop() {
  for (;;) {
    {
      // Until a user is ready: dirty_ has one, or the first waiting one's delay is over.
      std::unique_lock lock(mu_);
      for (;;) {
        if (stopping_) return;
        if (!dirty_.empty()) break;
        if (waiting_.empty()) {
          cv_.wait(lock);
          continue;
        }
        const core::Timestamp now = now_();
        if (waited(waiting_.front(), now)) break;
        cv_.wait_for(lock, waiting_.front().due - now);
      }
    }
    if (auto applied = pass(true)) {
      backoff_ = {};
      if (*applied >= options_.batch_updates || options_.min_interval.count() == 0) continue;
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.min_interval, [&] { return stopping_; });
      if (stopping_) return;
      continue;
    }
    backoff_ = backoff_.count() == 0 ? options_.min_backoff : std::min(backoff_ * 2, options_.max_backoff);
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, backoff_, [&] { return stopping_; });
    if (stopping_) return;
  }
}

void HistoryWriter::requeue(const std::vector<core::UserId>& users) {
  {
    std::lock_guard lock(mu_);
    for (auto u : users) {
      if (queued_.insert(u).second) dirty_.push_back(u);
    }
  }
  cv_.notify_one();
}

Result<HistoryWriter::Known> HistoryWriter::known(core::UserId user, const store::QueueInfo& info) {
  if (auto it = known_.find(user); it != known_.end() && it->second.epoch == info.epoch) {
    return it->second;
  }
  auto pos = history_.position(user);
  if (!pos) return fail(pos.error());
  Known k{info.epoch, pos->epoch == info.epoch ? pos->seq : core::Seq{0}};
  known_[user] = k;
  return k;
}

void HistoryWriter::note_lag_from_cursor(core::UserId user, const store::QueueInfo& info) {
  auto cursor = queue_.cursor(user, core::CursorName::storage());
  const core::Seq at = cursor && *cursor ? **cursor : core::Seq{0};
  if (at >= info.head) return;
  std::optional<core::Timestamp> oldest;
  if (auto next = queue_.read(user, std::max(core::next(at), info.first_retained), 1); next && !next->empty()) {
    oldest = next->front().time;
  }
  std::lock_guard lock(mu_);
  lag_[user] = Lag{info.head, at, oldest};
}

Result<std::size_t> HistoryWriter::pass(bool wait_delay) {
  {
    std::lock_guard lock(mu_);
    promote_locked(wait_delay);
  }
  std::vector<store::HistoryBatch> batch;
  std::vector<core::UserId> more;       // users with updates beyond this pass
  std::vector<core::Seq> heads;         // per batch entry
  std::size_t total = 0;
  std::error_code error;

  while (total < options_.batch_updates) {
    core::UserId user;
    {
      std::lock_guard lock(mu_);
      if (dirty_.empty()) break;
      user = dirty_.front();
      dirty_.pop_front();
      queued_.erase(user);
    }
    auto info = queue_.info(user);
    if (!info) {
      error = info.error();
      more.push_back(user);
      break;
    }
    if (!info->exists()) continue;
    auto k = known(user, *info);
    if (!k) {
      // History cannot even say where it is: measure the lag from the storage cursor.
      note_lag_from_cursor(user, *info);
      error = k.error();
      more.push_back(user);
      break;
    }
    if (k->applied >= info->head) {
      std::lock_guard lock(mu_);
      lag_.erase(user);
      continue;
    }
    core::Seq from = core::next(k->applied);
    if (from < info->first_retained) {
      // Only possible when history lost what the queue no longer has (a new history
      // database): history restarts at what the queue still holds.
      IRIS_LOG(warn, "history", "user {}: history has up to seq {} but the queue starts at {}; "
               "updates in between are not in history", user.value(), k->applied.value(),
               info->first_retained.value());
      from = info->first_retained;
    }
    const std::size_t want = std::min<std::uint64_t>(
        {options_.per_user, options_.batch_updates - total, info->head.value() - from.value() + 1});
    auto updates = queue_.read(user, from, want);
    if (!updates) {
      // A trim raced with us only if history lost data; info is re-read next pass.
      if (updates.error() == core::errc::trimmed) known_.erase(user);
      error = updates.error();
      more.push_back(user);
      break;
    }
    if (updates->empty()) continue;
    {
      std::lock_guard lock(mu_);
      lag_[user] = Lag{info->head, k->applied, updates->front().time};
    }
    if (updates->back().seq < info->head) more.push_back(user);
    total += updates->size();
    heads.push_back(info->head);
    batch.push_back(store::HistoryBatch{user, info->epoch, std::move(*updates)});
  }

  if (error) {
    // Put everyone back; the batch is retried whole after the backoff.
    for (const auto& b : batch) more.push_back(b.user);
    requeue(more);
    std::lock_guard lock(mu_);
    ++metrics_.failures;
    IRIS_LOG(warn, "history", "history writer pass failed: {}", error.message());
    return fail(error);
  }
  if (batch.empty()) {
    requeue(more);
    return std::size_t{0};
  }

  const auto t0 = std::chrono::steady_clock::now();
  auto applied = history_.apply(batch);
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  if (!applied) {
    for (const auto& b : batch) more.push_back(b.user);
    requeue(more);
    std::lock_guard lock(mu_);
    ++metrics_.failures;
    if (metrics_.failures == 1 || metrics_.failures % 100 == 0) {
      IRIS_LOG(warn, "history", "history write of {} updates failed ({} failures so far): {}; "
               "storage cursors stay put", total, metrics_.failures, applied.error().message());
    }
    return fail(applied.error());
  }

  // Durable in history: now, and only now, the storage cursors move (one group commit).
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    std::size_t left;
    std::size_t failed = 0;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = batch.size();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& b = batch[i];
    const core::Seq last = b.updates.back().seq;
    known_[b.user] = Known{b.epoch, last};
    queue_.async_advance_cursor(b.user, core::CursorName::storage(), last, [pending](Result<core::Seq> r) {
      std::lock_guard lock(pending->mu);
      if (!r) ++pending->failed;
      if (--pending->left == 0) pending->cv.notify_one();
    });
  }
  {
    std::unique_lock lock(pending->mu);
    pending->cv.wait(lock, [&] { return pending->left == 0; });
  }
  requeue(more);
  std::lock_guard lock(mu_);
  metrics_.applied += total;
  ++metrics_.batches;
  metrics_.cursor_failures += pending->failed;
  metrics_.write_latency.add(took);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const core::Seq last = batch[i].updates.back().seq;
    if (last >= heads[i]) {
      lag_.erase(batch[i].user);
    } else {
      lag_[batch[i].user] = Lag{heads[i], last, batch[i].updates.back().time};
    }
  }
  return total;
}

}  // namespace iris::sync
