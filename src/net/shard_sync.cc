// A shard's side of the sync service (detail/shard.h): the gateway that joins it to the
// broker, and the queue of work other threads hand the service.
#include "net/detail/shard.h"

#include <boost/asio/post.hpp>

#include "base/assert.h"
#include "base/log.h"
#include "base/thread_name.h"
#include "net/detail/server_core.h"
#include "net/event_loop.h"

namespace iris::net::detail {

void Shard::attach_sync(std::unique_ptr<sync::SyncShard> sync) {
  IRIS_ASSERT(gateway_ != nullptr, "attach_sync on a shard built without a SyncBinding");
  gateway_->attach(std::move(sync));
}

void Shard::run() {
  name_this_thread(("iris-net-" + std::to_string(index_)).c_str());
  run_event_loop(io_, "shard " + std::to_string(index_));
}

void Shard::run_sync(const std::function<void(sync::SyncShard&)>& fn) {
  if (!gateway_ || stopping_) return;
  fn(*gateway_->sync());
  run_broker();
}

void Shard::post_sync(std::function<void(sync::SyncShard&)> fn) {
  bool first = false;
  {
    std::lock_guard lock(sync_inbox_mutex_);
    first = sync_inbox_.empty();
    sync_inbox_.push_back(std::move(fn));
  }
  if (first) asio::post(io_, [this] { drain_sync(); });
}

void Shard::drain_sync() {
  {
    std::lock_guard lock(sync_inbox_mutex_);
    sync_running_.swap(sync_inbox_);
  }
  for (auto& fn : sync_running_) {
    if (gateway_ && !stopping_) fn(*gateway_->sync());
  }
  sync_running_.clear();
  run_broker();
}

}  // namespace iris::net::detail
