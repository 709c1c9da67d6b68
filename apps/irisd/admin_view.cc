#include "apps/irisd/admin_view.h"

#include <exception>

#include "base/log.h"
#include "base/thread_name.h"
#include "ops/cell_report.h"
#include "ops/collect.h"

namespace iris::irisd {
namespace {

constexpr auto kInterval = std::chrono::seconds(2);
constexpr auto kWatchedFor = std::chrono::seconds(30);

}  // namespace

AdminView::AdminView(ops::Options options) : options_(std::move(options)), thread_([this] { run(); }) {}

AdminView::~AdminView() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::optional<std::string> AdminView::report() {
  std::lock_guard lock(mu_);
  asked_ = std::chrono::steady_clock::now();
  cv_.notify_all();
  return latest_;
}

void AdminView::run() {
  name_this_thread("iris-admin");
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait(lock, [&] { return stop_ || std::chrono::steady_clock::now() - asked_ < kWatchedFor; });
    if (stop_) break;
    lock.unlock();
    std::string error;
    std::optional<std::string> json;
    // Nothing a peer or the database answers may end the process through this thread.
    try {
      auto made = ops::collect_deployment(options_, error);
      if (made) json = ops::render_json(*made);
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (!json) IRIS_LOG(warn, "irisd", "admin: the deployment report failed: {}", error);
    lock.lock();
    if (json) latest_ = std::move(json);
    cv_.wait_for(lock, kInterval, [&] { return stop_; });
  }
}

}  // namespace iris::irisd
