#include "cluster/zookeeper/zk_admin.h"

#define THREADED  // the multi-threaded client's synchronous API
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "cluster/errc.h"
#include "cluster/zookeeper/zk_calls.h"
#include "core/ids.h"

namespace iris::cluster {

struct ZooKeeperAdmin::SessionWait {
  std::mutex mu;
  std::condition_variable cv;
  bool connected = false;

  static void on_session(zhandle_t*, int type, int state, const char*, void* context) {
    auto* wait = static_cast<SessionWait*>(context);
    if (type != ZOO_SESSION_EVENT) return;
    std::lock_guard lock(wait->mu);
    wait->connected = state == ZOO_CONNECTED_STATE;
    wait->cv.notify_all();
  }
};

ZooKeeperAdmin::ZooKeeperAdmin(std::string root)
    : root_(std::move(root)), wait_(std::make_unique<SessionWait>()) {}

Result<std::unique_ptr<ZooKeeperAdmin>> ZooKeeperAdmin::connect(const std::string& hosts, std::string root,
                                                                  std::chrono::milliseconds timeout) {
  if (root.empty() || root.front() != '/') return fail(errc::invalid_member);
  zk::quiet_client_log();
  std::unique_ptr<ZooKeeperAdmin> r(new ZooKeeperAdmin(std::move(root)));
  SessionWait& wait = *r->wait_;
  const int session_ms = static_cast<int>(std::max<std::int64_t>(timeout.count(), 4000));
  r->zh_ = zookeeper_init2(hosts.c_str(), &SessionWait::on_session, session_ms, nullptr, &wait, 0,
                           &zk::client_log);
  if (r->zh_ == nullptr) return fail(errc::coordinator_unavailable);
  std::unique_lock lock(wait.mu);
  if (!wait.cv.wait_for(lock, timeout, [&] { return wait.connected; })) return fail(errc::coordinator_unavailable);
  return r;
}

ZooKeeperAdmin::~ZooKeeperAdmin() {
  if (zh_ != nullptr) zookeeper_close(zh_);
}

Result<std::vector<std::string>> ZooKeeperAdmin::children(const std::string& path) const {
  String_vector list{};
  const int rc = zoo_get_children(zh_, path.c_str(), 0, &list);
  if (rc == ZNONODE) return std::vector<std::string>{};
  if (rc != ZOK) return fail(errc::coordinator_unavailable);
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(list.count));
  for (int i = 0; i < list.count; ++i) names.emplace_back(list.data[i]);
  deallocate_String_vector(&list);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::vector<std::string>> ZooKeeperAdmin::cells() const { return children(root_ + "/cells"); }

Result<CellListing> ZooKeeperAdmin::cell(const std::string& name) const {
  if (!zk::plain_name(name)) return fail(errc::invalid_member);
  const std::string path = root_ + "/cells/" + name;
  int rc = ZOK;
  auto data = zk::get_data(zh_, path, rc);
  if (!data) return fail(errc::coordinator_unavailable);
  CellListing out;
  out.name = name;
  if (auto config = decode_cell(*data)) out.config = *config;
  Stat stat{};
  const int exists = zoo_exists(zh_, (path + "/disabled").c_str(), 0, &stat);
  if (exists != ZOK && exists != ZNONODE) return fail(errc::coordinator_unavailable);
  out.enabled = exists == ZNONODE;
  auto names = children(path + "/servers");
  if (!names) return fail(names.error());
  for (const auto& member : *names) {
    auto member_data = zk::get_data(zh_, path + "/servers/" + member, rc);
    if (!member_data) continue;  // gone since the listing
    if (auto info = decode_member(member, *member_data)) {
      out.servers.push_back(std::move(*info));
    } else {
      out.unreadable.push_back(member);
    }
  }
  return out;
}

Result<std::map<core::UserId, std::string>> ZooKeeperAdmin::overrides() const {
  auto users = children(root_ + "/placement");
  if (!users) return fail(users.error());
  std::map<core::UserId, std::string> out;
  for (const auto& name : *users) {
    if (out.size() == kMaxListing) break;
    const auto id = core::parse_id(name);
    if (!id) continue;  // not ours
    int rc = ZOK;
    auto cell = zk::get_data(zh_, root_ + "/placement/" + name, rc);
    if (!cell || !zk::plain_name(*cell)) continue;  // gone since the listing, or not a cell name
    out.emplace(core::UserId{*id}, std::move(*cell));
  }
  return out;
}

Result<Placement> ZooKeeperAdmin::placement() const {
  auto names = cells();
  if (!names) return fail(names.error());
  std::vector<CellState> states;
  for (const auto& name : *names) {
    auto listing = cell(name);
    if (!listing) continue;  // removed since the listing
    states.push_back({name, listing->enabled});
  }
  auto moved = overrides();
  if (!moved) return fail(moved.error());
  return Placement(std::move(states), std::move(*moved));
}

Result<std::vector<AuditEntry>> ZooKeeperAdmin::audit(std::size_t count) const {
  auto ids = children(root_ + "/audit");
  if (!ids) return fail(ids.error());
  // Sequential names sort in creation order (fixed-width, zero-padded sequence numbers).
  const std::size_t from = ids->size() > count ? ids->size() - count : 0;
  std::vector<AuditEntry> out;
  for (std::size_t i = from; i < ids->size(); ++i) {
    int rc = ZOK;
    auto text = zk::get_data(zh_, root_ + "/audit/" + (*ids)[i], rc);
    if (text) out.push_back({(*ids)[i], std::move(*text)});
  }
  return out;
}

Result<void> ZooKeeperAdmin::ensure(const std::string& path) {
  const int rc = zoo_create(zh_, path.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
  if (rc != ZOK && rc != ZNODEEXISTS) return fail(errc::coordinator_unavailable);
  return {};
}

Result<void> ZooKeeperAdmin::set_cell_enabled(const std::string& name, bool enabled) {
  if (!zk::plain_name(name)) return fail(errc::invalid_member);
  const std::string path = root_ + "/cells/" + name;
  Stat stat{};
  const int exists = zoo_exists(zh_, path.c_str(), 0, &stat);
  if (exists == ZNONODE) return fail(errc::invalid_member);
  if (exists != ZOK) return fail(errc::coordinator_unavailable);
  if (!enabled) return ensure(path + "/disabled");
  const int rc = zoo_delete(zh_, (path + "/disabled").c_str(), -1);
  if (rc != ZOK && rc != ZNONODE) return fail(errc::coordinator_unavailable);
  return {};
}

Result<void> ZooKeeperAdmin::request_drain(const std::string& cell, const std::string& server) {
  if (!zk::plain_name(cell) || !zk::plain_name(server)) return fail(errc::invalid_member);
  const std::string path = root_ + "/cells/" + cell;
  Stat stat{};
  const int exists = zoo_exists(zh_, (path + "/servers/" + server).c_str(), 0, &stat);
  if (exists == ZNONODE) return fail(errc::invalid_member);
  if (exists != ZOK) return fail(errc::coordinator_unavailable);
  if (auto made = ensure(path + "/drain"); !made) return made;
  return ensure(path + "/drain/" + server);
}

Result<void> ZooKeeperAdmin::set_override(core::UserId user, const std::string& cell) {
  const std::string path = root_ + "/placement/" + std::to_string(user.value());
  if (cell.empty()) {
    const int rc = zoo_delete(zh_, path.c_str(), -1);
    if (rc != ZOK && rc != ZNONODE) return fail(errc::coordinator_unavailable);
    return {};
  }
  if (!zk::plain_name(cell)) return fail(errc::invalid_member);
  if (auto made = ensure(root_); !made) return made;
  if (auto made = ensure(root_ + "/placement"); !made) return made;
  int rc = zoo_set(zh_, path.c_str(), cell.data(), static_cast<int>(cell.size()), -1);
  if (rc == ZNONODE) {
    rc = zoo_create(zh_, path.c_str(), cell.data(), static_cast<int>(cell.size()), &ZOO_OPEN_ACL_UNSAFE, 0,
                    nullptr, 0);
  }
  if (rc != ZOK) return fail(errc::coordinator_unavailable);
  return {};
}

Result<void> ZooKeeperAdmin::record(const std::string& text) {
  if (auto made = ensure(root_); !made) return made;
  if (auto made = ensure(root_ + "/audit"); !made) return made;
  const std::string prefix = root_ + "/audit/entry-";
  const int rc = zoo_create(zh_, prefix.c_str(), text.data(), static_cast<int>(text.size()), &ZOO_OPEN_ACL_UNSAFE,
                            ZOO_PERSISTENT_SEQUENTIAL, nullptr, 0);
  if (rc != ZOK) return fail(errc::coordinator_unavailable);
  return {};
}

}  // namespace iris::cluster
