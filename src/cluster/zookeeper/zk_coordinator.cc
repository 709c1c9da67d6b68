#include "cluster/zookeeper/zk_coordinator.h"

#define THREADED  // the multi-threaded client's synchronous API
#include <zookeeper/zookeeper.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "base/log.h"
#include "cluster/errc.h"
#include "cluster/zookeeper/zk_calls.h"

namespace iris::cluster {
namespace {

constexpr const char* kLog = "cluster";

using zk::client_log;
using zk::get_data;
using zk::quiet_client_log;

}  // namespace

ZooKeeperCoordinator::ZooKeeperCoordinator(ZooKeeperOptions options) : options_(std::move(options)) {
  cell_path_ = options_.root + "/cells/" + options_.cell;
  servers_path_ = cell_path_ + "/servers";
}

Result<std::unique_ptr<ZooKeeperCoordinator>> ZooKeeperCoordinator::connect(ZooKeeperOptions options) {
  if (options.cell.empty() || options.cell.find('/') != std::string::npos || options.root.empty() ||
      options.root.front() != '/') {
    return fail(errc::invalid_member);
  }
  quiet_client_log();
  std::unique_ptr<ZooKeeperCoordinator> c(new ZooKeeperCoordinator(std::move(options)));
  c->zh_ = zookeeper_init2(c->options_.hosts.c_str(), &ZooKeeperCoordinator::on_watch,
                           static_cast<int>(c->options_.session_timeout.count()), nullptr, c.get(), 0,
                           &client_log);
  if (c->zh_ == nullptr) return fail(errc::coordinator_unavailable);
  std::unique_lock lock(c->mu_);
  const bool up = c->cv_.wait_for(lock, c->options_.connect_timeout, [&] {
    return c->state_ == SessionState::connected || c->zk_expired_;
  });
  if (!up || c->zk_expired_) {
    lock.unlock();
    IRIS_LOG(error, kLog, "zookeeper {} unreachable for {} ms", c->options_.hosts, c->options_.connect_timeout.count());
    return fail(errc::coordinator_unavailable);
  }
  return c;
}

ZooKeeperCoordinator::~ZooKeeperCoordinator() {
  leave();
  close_handle();
}

void ZooKeeperCoordinator::on_watch(zhandle_t*, int type, int state, const char*, void* context) {
  auto* self = static_cast<ZooKeeperCoordinator*>(context);
  std::lock_guard lock(self->mu_);
  if (type == ZOO_SESSION_EVENT) {
    if (state == ZOO_CONNECTED_STATE) {
      self->lost_ = false;
      self->relist_ = true;  // changes while away: the library re-sets watches, but be sure
      if (self->state_ != SessionState::expired) self->state_ = SessionState::connected;
    } else if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) {
      self->zk_expired_ = true;
    } else if (!self->lost_) {  // connecting: the link is down, the session may live on
      IRIS_LOG(warn, kLog, "lost the zookeeper connection; serving on while the session may live");
      self->lost_ = true;
      self->lost_at_ = std::chrono::steady_clock::now();
      if (self->state_ != SessionState::expired) self->state_ = SessionState::connecting;
    }
  } else if (type == ZOO_CHILD_EVENT || type == ZOO_CREATED_EVENT) {
    self->relist_ = true;  // members changed, or the drain request this server watches appeared
  }
  self->cv_.notify_all();
}

Result<void> ZooKeeperCoordinator::ensure_cell(std::uint32_t tokens_per_server) {
  const std::string cell_data = encode_cell({tokens_per_server});
  const std::string parents[] = {options_.root, options_.root + "/cells"};
  for (const auto& p : parents) {
    const int rc = zoo_create(zh_, p.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) return fail(errc::coordinator_unavailable);
  }
  int rc = zoo_create(zh_, cell_path_.c_str(), cell_data.data(), static_cast<int>(cell_data.size()),
                      &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
  if (rc == ZNODEEXISTS) {
    auto data = get_data(zh_, cell_path_, rc);
    if (!data) return fail(data.error());
    const auto cell = decode_cell(*data);
    if (!cell || cell->tokens_per_server != tokens_per_server) {
      IRIS_LOG(error, kLog, "cell {} uses {} tokens per server; this server has {}: refusing to join",
               options_.cell, cell ? std::to_string(cell->tokens_per_server) : "unreadable", tokens_per_server);
      return fail(errc::name_conflict);
    }
  } else if (rc != ZOK) {
    return fail(errc::coordinator_unavailable);
  }
  rc = zoo_create(zh_, servers_path_.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
  if (rc != ZOK && rc != ZNODEEXISTS) return fail(errc::coordinator_unavailable);
  return {};
}

Result<std::uint32_t> ZooKeeperCoordinator::claim_id_slot(std::string_view holder, std::uint32_t slots) {
  if (session_state() != SessionState::connected || slots == 0) return fail(errc::coordinator_unavailable);
  const std::string parent = options_.root + "/id_slots";
  for (const auto& p : {options_.root, parent}) {
    const int rc = zoo_create(zh_, p.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) return fail(errc::coordinator_unavailable);
  }
  const std::uint32_t start = static_cast<std::uint32_t>(std::hash<std::string_view>{}(holder) % slots);
  for (std::uint32_t i = 0; i < slots; ++i) {
    const std::uint32_t n = (start + i) % slots;
    const std::string path = parent + "/" + std::to_string(n);
    const int rc = zoo_create(zh_, path.c_str(), holder.data(), static_cast<int>(holder.size()),
                              &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, nullptr, 0);
    if (rc == ZOK) return n;
    if (rc != ZNODEEXISTS) return fail(errc::coordinator_unavailable);
  }
  IRIS_LOG(error, kLog, "every one of the {} id slots under {} is held by a live server", slots, parent);
  return fail(errc::coordinator_unavailable);
}

Result<void> ZooKeeperCoordinator::create_member(const ServerInfo& self) {
  const std::string path = servers_path_ + "/" + self.name;
  const std::string data = encode_member(self);
  const auto deadline = std::chrono::steady_clock::now() + negotiated_timeout() + std::chrono::seconds(1);
  for (;;) {
    int rc = zoo_create(zh_, path.c_str(), data.data(), static_cast<int>(data.size()), &ZOO_OPEN_ACL_UNSAFE,
                        ZOO_EPHEMERAL, nullptr, 0);
    if (rc == ZOK) return {};
    if (rc != ZNODEEXISTS) return fail(errc::coordinator_unavailable);
    auto existing = get_data(zh_, path, rc);
    if (!existing && rc == ZNONODE) continue;  // it just went away
    if (!existing) return fail(existing.error());
    if (*existing != data) {
      IRIS_LOG(error, kLog, "another live server is registered as {} in cell {} with another address or tokens",
               self.name, options_.cell);
      return fail(errc::name_conflict);
    }
    // Our own previous process, most likely: its session ends within one timeout.
    if (std::chrono::steady_clock::now() > deadline) {
      IRIS_LOG(error, kLog, "server name {} still held in cell {} after a session timeout: is it running twice?",
               self.name, options_.cell);
      return fail(errc::name_conflict);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Result<void> ZooKeeperCoordinator::join(const ServerInfo& self, CoordinatorListener listener) {
  if (auto ok = validate(self); !ok) return ok;
  if (worker_.joinable() || session_state() != SessionState::connected) return fail(errc::coordinator_unavailable);
  if (auto ok = ensure_cell(static_cast<std::uint32_t>(self.tokens.size())); !ok) return ok;
  // A drain request left from before a restart is void: the restart was the point of it.
  drain_path_ = cell_path_ + "/drain/" + self.name;
  if (zoo_delete(zh_, drain_path_.c_str(), -1) == ZOK) {
    IRIS_LOG(info, kLog, "cleared the drain request for {} left from before this start", self.name);
  }
  if (auto ok = create_member(self); !ok) return ok;
  self_name_ = self.name;
  listener_ = std::move(listener);
  {
    std::lock_guard lock(mu_);
    relist_ = true;
  }
  IRIS_LOG(info, kLog, "joined cell {} as {} ({} tokens, session timeout {} ms)", options_.cell, self.name,
           self.tokens.size(), negotiated_timeout().count());
  if (listener_.on_session) listener_.on_session(SessionState::connected);
  worker_ = std::thread([this] { run(); });
  return {};
}

void ZooKeeperCoordinator::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    const auto quarter = negotiated_timeout() / 4;
    cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return stop_ || relist_ || zk_expired_; });
    if (stop_) return;
    const bool locally_expired = lost_ && std::chrono::steady_clock::now() - lost_at_ >= quarter;
    if (zk_expired_ || locally_expired) {
      state_ = SessionState::expired;
      lock.unlock();
      IRIS_LOG(error, kLog, "zookeeper session {}: {} stops serving its users",
               zk_expired_ ? "expired" : "lost for a quarter of its timeout", self_name_);
      if (listener_.on_session) listener_.on_session(SessionState::expired);
      return;  // nothing more from this session; a new one must join again
    }
    if (relist_ && !lost_) {
      relist_ = false;
      lock.unlock();
      relist();
      lock.lock();
    }
  }
}

void ZooKeeperCoordinator::relist() {
  String_vector children{};
  Stat stat{};
  int rc = zoo_wget_children2(zh_, servers_path_.c_str(), &ZooKeeperCoordinator::on_watch, this, &children, &stat);
  if (rc != ZOK) {
    std::lock_guard lock(mu_);
    relist_ = true;  // try again at the next turn (connection loss is handled by the session events)
    return;
  }
  std::vector<ServerInfo> live;
  for (int i = 0; i < children.count; ++i) {
    const std::string name = children.data[i];
    auto data = get_data(zh_, servers_path_ + "/" + name, rc);
    if (!data) continue;  // gone since the listing: its removal is a child event of its own
    auto member = decode_member(name, *data);
    if (!member) {
      IRIS_LOG(warn, kLog, "ignoring member {} of cell {}: unreadable node data", name, options_.cell);
      continue;
    }
    live.push_back(std::move(*member));
  }
  deallocate_String_vector(&children);
  for (const auto& event : table_.diff_to(live, static_cast<std::uint64_t>(stat.pzxid))) {
    if (!table_.apply(event)) continue;
    if (listener_.on_change) listener_.on_change(event);
  }
  if (!drain_heard_) {  // watched until it exists (ZOO_CREATED_EVENT), then heard once
    Stat drain{};
    rc = zoo_wexists(zh_, drain_path_.c_str(), &ZooKeeperCoordinator::on_watch, this, &drain);
    if (rc == ZOK) {
      drain_heard_ = true;
      IRIS_LOG(info, kLog, "an operator asked {} to drain ({})", self_name_, drain_path_);
      if (listener_.on_drain) listener_.on_drain();
    } else if (rc != ZNONODE) {
      std::lock_guard lock(mu_);
      relist_ = true;
    }
  }
}

void ZooKeeperCoordinator::leave() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  if (!self_name_.empty() && zh_ != nullptr && session_state() == SessionState::connected) {
    if (!withdrawn_) zoo_delete(zh_, (servers_path_ + "/" + self_name_).c_str(), -1);
    IRIS_LOG(info, kLog, "left cell {} as {}", options_.cell, self_name_);
  }
  self_name_.clear();
}

Result<void> ZooKeeperCoordinator::withdraw() {
  if (self_name_.empty() || withdrawn_ || session_state() != SessionState::connected) {
    return fail(errc::coordinator_unavailable);
  }
  const int rc = zoo_delete(zh_, (servers_path_ + "/" + self_name_).c_str(), -1);
  if (rc != ZOK && rc != ZNONODE) return fail(errc::coordinator_unavailable);
  withdrawn_ = true;
  IRIS_LOG(info, kLog, "withdrew {} from the ring of cell {}; its users move to the others, events go on",
           self_name_, options_.cell);
  return {};  // the child watch fires: this server hears its own leaving like its peers
}

SessionState ZooKeeperCoordinator::session_state() const {
  std::lock_guard lock(mu_);
  return state_;
}

Result<void> ZooKeeperCoordinator::evict(std::string_view name) {
  if (name.empty() || name.find('/') != std::string_view::npos) return fail(errc::invalid_member);
  const int rc = zoo_delete(zh_, (servers_path_ + "/" + std::string(name)).c_str(), -1);
  if (rc != ZOK && rc != ZNONODE) return fail(errc::coordinator_unavailable);
  IRIS_LOG(warn, kLog, "evicted {} from cell {}", name, options_.cell);
  return {};
}

std::chrono::milliseconds ZooKeeperCoordinator::negotiated_timeout() const {
  const int t = zh_ != nullptr ? zoo_recv_timeout(zh_) : 0;
  return t > 0 ? std::chrono::milliseconds(t) : options_.session_timeout;
}

void ZooKeeperCoordinator::close_handle() {
  if (zh_ != nullptr) {
    zookeeper_close(zh_);
    zh_ = nullptr;
  }
}

}  // namespace iris::cluster
