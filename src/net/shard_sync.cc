// A shard's side of the sync service (detail/shard.h): the gateway that joins it to the
// broker, and the queue of work other threads hand the service.
#include "net/detail/shard.h"

#include <boost/asio/post.hpp>

#include "base/log.h"
#include "base/thread_name.h"
#include "net/detail/server_core.h"
#include "net/event_loop.h"

namespace iris::net::detail {

namespace {

thread_local Shard* current_shard = nullptr;

}  // namespace

void Shard::attach_sync(std::unique_ptr<SyncGateway> gateway, std::unique_ptr<sync::SyncShard> sync) {
  gateway_ = std::move(gateway);
  gateway_->attach(std::move(sync));
}

Shard* Shard::current() { return current_shard; }

void Shard::run_as_current() {
  name_this_thread(("iris-net-" + std::to_string(index_)).c_str());
  current_shard = this;
  run_event_loop(io_, "shard " + std::to_string(index_));
  current_shard = nullptr;
}

// Why this needs no lock: the broker asks its authorizer on its own thread, about one of its
// own sessions, and a session lives on the broker that owns its user name (connect_peek
// routes every connection of a user there; the token binds the user name to the user). So
// the thread asking is the owner shard of `user`, the one whose SyncShard holds that user's
// inbox, and nothing else ever touches it. The gateway's owner check only guards that
// argument.
bool Shard::is_participant(std::string_view user, std::string_view thread) {
  return gateway_ && gateway_->is_participant(user, thread);
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
