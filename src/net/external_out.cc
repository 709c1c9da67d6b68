#include "net/external_out.h"

#include <algorithm>

#include "base/log.h"
#include "base/thread_name.h"

namespace iris::net {

using Clock = std::chrono::steady_clock;

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
