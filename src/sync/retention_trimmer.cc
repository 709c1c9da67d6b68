#include "sync/retention_trimmer.h"

#include <algorithm>

#include "base/log.h"
#include "base/thread_name.h"

namespace iris::sync {

RetentionTrimmer::RetentionTrimmer(store::QueueStore& queue, const RetentionOptions& options, Clock now)
    : queue_(queue), options_(options), now_(std::move(now)) {}

RetentionTrimmer::~RetentionTrimmer() { stop(); }

void RetentionTrimmer::start() {
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] {
    name_this_thread("iris-retention");
    loop();
  });
}

void RetentionTrimmer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

RetentionTrimmer::Metrics RetentionTrimmer::metrics() const {
  std::lock_guard lock(mu_);
  return metrics_;
}

void RetentionTrimmer::loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.interval, [&] { return stopping_; });
      if (stopping_) return;
    }
    run_once();
  }
}

void RetentionTrimmer::run_once() {
  Metrics pass;
  bool first = true;
  core::UserId after{0};
  for (;;) {
    std::vector<core::UserId> users;
    if (first) {
      first = false;
      // users() starts after `after`: user 0 is looked at on its own.
      if (auto info = queue_.info(core::UserId{0}); info && info->exists()) users.push_back(core::UserId{0});
    }
    auto page = queue_.users(after, 1024);
    if (!page) {
      ++pass.failures;
      IRIS_LOG(warn, "retention", "cannot list queues: {}", page.error().message());
      break;
    }
    users.insert(users.end(), page->begin(), page->end());
    for (auto u : users) {
      auto n = trim_user(u, pass);
      if (!n) {
        ++pass.failures;
        IRIS_LOG(warn, "retention", "user {}: {}", u.value(), n.error().message());
      }
    }
    if (page->empty()) break;
    after = page->back();
  }
  Metrics total;
  {
    std::lock_guard lock(mu_);
    ++metrics_.passes;
    metrics_.trimmed_updates += pass.trimmed_updates;
    metrics_.trimmed_queues += pass.trimmed_queues;
    metrics_.failures += pass.failures;
    metrics_.device_lag = pass.device_lag;
    metrics_.devices = pass.devices;
    metrics_.devices_too_old = pass.devices_too_old;
    total = metrics_;
  }
  if (hook_) hook_(total);
}

Result<std::size_t> RetentionTrimmer::trim_user(core::UserId user, Metrics& pass) {
  constexpr std::size_t kChunk = 512;
  const core::Timestamp now = now_();
  auto info = queue_.info(user);
  if (!info) return fail(info.error());
  auto storage = queue_.cursor(user, core::CursorName::storage());
  if (!storage) return fail(storage.error());

  std::optional<core::Seq> point;
  if (*storage && **storage >= info->first_retained) {
    // The time rule: the longest old-enough prefix, read chunk by chunk up to `scan`.
    const core::Seq last = std::min(**storage, info->head);
    std::size_t scanned = 0;
    for (core::Seq from = info->first_retained; from <= last && scanned < options_.scan;) {
      const std::size_t want = std::min<std::uint64_t>(
          {kChunk, options_.scan - scanned, last.value() - from.value() + 1});
      auto chunk = queue_.read(user, from, want);
      if (!chunk) return fail(chunk.error());
      if (chunk->empty()) break;
      auto p = core::trim_point(*chunk, *storage, now, options_.policy);
      if (p) point = p;
      if (!p || *p != chunk->back().seq) break;  // a young update ends the prefix
      scanned += chunk->size();
      from = core::next(chunk->back().seq);
    }
  }
  if (auto by_length = core::length_trim_point(info->first_retained, info->head, *storage, options_.policy)) {
    point = point ? std::max(*point, *by_length) : *by_length;
  }
  std::size_t trimmed = 0;
  core::Seq first = info->first_retained;
  if (point && *point >= info->first_retained) {
    auto n = queue_.trim_to(user, *point);
    if (!n) return fail(n.error());
    trimmed = *n;
    first = core::next(*point);
    pass.trimmed_updates += trimmed;
    ++pass.trimmed_queues;
  }

  // Device cursors: lag and who will have to resync.
  auto cursors = queue_.cursors(user);
  if (!cursors) return fail(cursors.error());
  for (const auto& [name, seq] : *cursors) {
    if (name.is_storage()) continue;
    ++pass.devices;
    if (core::must_resync(seq, first)) ++pass.devices_too_old;
    std::optional<core::Timestamp> oldest;
    if (seq < info->head) {
      // The first update it lacks, or (trimmed) the oldest one still here: a lower bound.
      auto next = queue_.read(user, std::max(core::next(seq), first), 1);
      if (next && !next->empty()) oldest = next->front().time;
    }
    pass.device_lag = worst(pass.device_lag, cursor_lag(info->head, seq, oldest, now));
  }
  return trimmed;
}

}  // namespace iris::sync
