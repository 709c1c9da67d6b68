#include "net/external_out.h"

#include <algorithm>
#include <future>
#include <memory>

#include "base/log.h"
#include "base/thread_name.h"

namespace iris::net {

using Clock = std::chrono::steady_clock;

ChannelCursor::ChannelCursor(store::QueueStore& queue, std::string_view device, std::string log_component,
                             std::chrono::milliseconds timeout)
    : queue_(queue),
      name_(core::CursorName::device(core::DeviceId{std::string(device)})),
      log_component_(std::move(log_component)),
      timeout_(timeout) {}

Result<std::vector<core::Update>> ChannelCursor::unread(core::UserId user, std::size_t max) const {
  auto info = queue_.info(user);
  if (!info) return fail(info.error());
  auto cursor = queue_.cursor(user, name_);
  if (!cursor) return fail(cursor.error());
  core::Seq from{cursor->value_or(core::Seq{0}).value() + 1};
  if (from.value() < info->first_retained.value()) {
    IRIS_LOG(warn, log_component_, "participant {}: updates {}..{} were trimmed before they could leave",
             user.value(), from.value(), info->first_retained.value() - 1);
    from = info->first_retained;
  }
  if (from.value() > info->head.value()) return std::vector<core::Update>{};
  return queue_.read(user, from, max);
}

bool ChannelCursor::advance(core::UserId user, core::Seq to) {
  auto done = std::make_shared<std::promise<bool>>();
  auto result = done->get_future();
  queue_.async_advance_cursor(user, name_, to, [done](Result<core::Seq> r) { done->set_value(r.has_value()); });
  if (result.wait_for(timeout_) != std::future_status::ready) return false;
  return result.get();
}

void ExternalOut::notify(core::UserId user) {
  if (!accepts(user)) return;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (queued_.contains(user)) {
      // Being served now: what it reads may already be behind this; serve it once more.
      if (serving_ == user) again_ = true;
      return;
    }
    if (queued_.size() >= schedule_.max_pending) {
      overflow_ = true;
      return;
    }
    queued_.insert(user);
    ready_.push_back(user);
  }
  wake_.notify_one();
}

void ExternalOut::start() {
  {
    std::lock_guard lock(mu_);
    overflow_ = true;  // the first turn scans
  }
  thread_ = std::thread([this] {
    const std::string thread_name = "iris-" + name_;
    name_this_thread(thread_name.c_str());
    loop();
  });
}

void ExternalOut::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ExternalOut::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto now = Clock::now();
    while (!waiting_.empty() && waiting_.begin()->first <= now) {
      ready_.push_back(waiting_.begin()->second);
      waiting_.erase(waiting_.begin());
    }
    if (ready_.empty() && overflow_) {
      overflow_ = false;
      lock.unlock();
      try {
        scan();
      } catch (const std::exception& e) {
        IRIS_LOG(error, name_, "scan failed: {}", e.what());
      }
      lock.lock();
      continue;
    }
    if (ready_.empty()) {
      if (waiting_.empty()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, waiting_.begin()->first);
      }
      continue;
    }
    const core::UserId user = ready_.front();
    ready_.pop_front();
    serving_ = user;
    again_ = false;
    lock.unlock();
    Turn turn = Turn::retry;
    try {
      turn = serve(user);
    } catch (const std::exception& e) {
      IRIS_LOG(error, name_, "serving {} failed: {}", user.value(), e.what());
    }
    lock.lock();
    serving_.reset();
    if (turn == Turn::done && again_) turn = Turn::more;
    if (turn == Turn::more) {
      backoff_.erase(user);
      ready_.push_back(user);
    } else if (turn == Turn::retry) {
      auto& b = backoff_[user];
      b = b.count() == 0 ? schedule_.min_backoff : std::min(b * 2, schedule_.max_backoff);
      waiting_.emplace(Clock::now() + b, user);
    } else {
      backoff_.erase(user);
      queued_.erase(user);
    }
  }
}

}  // namespace iris::net
