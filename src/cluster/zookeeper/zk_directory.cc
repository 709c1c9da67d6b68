#include "cluster/zookeeper/zk_directory.h"

#define THREADED  // the multi-threaded client's synchronous API
#include <zookeeper/zookeeper.h>

#include <algorithm>

#include "base/log.h"
#include "base/thread_name.h"
#include "cluster/errc.h"
#include "cluster/member_codec.h"
#include "cluster/zookeeper/zk_calls.h"
#include "core/ids.h"

namespace iris::cluster {
namespace {

constexpr const char* kLog = "directory";
constexpr std::size_t kMaxOverrides = 100000;


}  // namespace

ZooKeeperDirectory::ZooKeeperDirectory(DirectoryOptions options)
    : options_(std::move(options)), current_(std::make_shared<const Directory>()) {}

std::unique_ptr<ZooKeeperDirectory> ZooKeeperDirectory::start(DirectoryOptions options,
                                                               std::chrono::milliseconds wait) {
  zk::quiet_client_log();
  std::unique_ptr<ZooKeeperDirectory> d(new ZooKeeperDirectory(std::move(options)));
  d->worker_ = std::thread([raw = d.get()] { raw->run(); });
  std::unique_lock lock(d->mu_);
  d->cv_.wait_for(lock, wait, [&] { return d->reads_ > 0; });
  return d;
}

ZooKeeperDirectory::~ZooKeeperDirectory() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

std::shared_ptr<const Directory> ZooKeeperDirectory::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

std::uint64_t ZooKeeperDirectory::reads() const {
  std::lock_guard lock(mu_);
  return reads_;
}

void ZooKeeperDirectory::on_watch(zhandle_t*, int type, int state, const char*, void* context) {
  auto* self = static_cast<ZooKeeperDirectory*>(context);
  std::lock_guard lock(self->mu_);
  if (type == ZOO_SESSION_EVENT) {
    if (state == ZOO_CONNECTED_STATE) {
      self->connected_ = true;
      self->dirty_ = true;  // whatever changed while away
    } else if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) {
      self->expired_ = true;
      self->connected_ = false;
    } else {
      self->connected_ = false;
    }
  } else {
    self->dirty_ = true;  // a child list, a node's data, or a node's existence changed
  }
  self->cv_.notify_all();
}

bool ZooKeeperDirectory::open_session() {
  zh_ = zookeeper_init2(options_.hosts.c_str(), &ZooKeeperDirectory::on_watch,
                        static_cast<int>(options_.session_timeout.count()), nullptr, this, 0, &zk::client_log);
  return zh_ != nullptr;
}

void ZooKeeperDirectory::run() {
  name_this_thread("iris-directory");
  if (!open_session()) IRIS_LOG(error, kLog, "cannot start a zookeeper client for {}", options_.hosts);
  std::unique_lock lock(mu_);
  auto last_read = std::chrono::steady_clock::time_point{};
  while (!stop_) {
    cv_.wait(lock, [&] { return stop_ || expired_ || (dirty_ && connected_); });
    if (stop_) break;
    if (expired_) {
      expired_ = false;
      lock.unlock();
      IRIS_LOG(warn, kLog, "zookeeper session expired; opening a new one (routes answer from the last copy)");
      if (zh_ != nullptr) zookeeper_close(zh_);
      zh_ = nullptr;
      open_session();
      lock.lock();
      continue;
    }
    // Coalesce a burst of changes into one read.
    const auto next = last_read + options_.min_interval;
    if (std::chrono::steady_clock::now() < next && cv_.wait_until(lock, next, [&] { return stop_; })) break;
    dirty_ = false;
    lock.unlock();
    auto copy = read_all();
    last_read = std::chrono::steady_clock::now();
    lock.lock();
    if (!copy) {
      dirty_ = true;  // read again once connected (a session event wakes us)
      if (connected_) cv_.wait_for(lock, options_.min_interval * 4, [&] { return stop_; });
      continue;
    }
    current_ = *copy;
    ++reads_;
    cv_.notify_all();
    if (options_.on_change) {
      lock.unlock();
      options_.on_change(*copy);
      lock.lock();
    }
  }
  lock.unlock();
  if (zh_ != nullptr) zookeeper_close(zh_);
  zh_ = nullptr;
}

Result<std::shared_ptr<const Directory>> ZooKeeperDirectory::read_all() {
  // Every read that lists also re-arms its watch (zoo_w*): a change after the read fires it,
  // a change before it is in what we read.
  const std::string cells_path = options_.root + "/cells";
  const std::string placement_path = options_.root + "/placement";
  auto list = [&](const std::string& path, std::vector<std::string>& out) -> int {
    String_vector children{};
    int rc = zoo_wget_children(zh_, path.c_str(), &ZooKeeperDirectory::on_watch, this, &children);
    if (rc == ZNONODE) {  // watch for its creation instead
      Stat stat{};
      rc = zoo_wexists(zh_, path.c_str(), &ZooKeeperDirectory::on_watch, this, &stat);
      return rc == ZNONODE || rc == ZOK ? ZOK : rc;
    }
    if (rc != ZOK) return rc;
    for (int i = 0; i < children.count; ++i) out.emplace_back(children.data[i]);
    deallocate_String_vector(&children);
    std::sort(out.begin(), out.end());
    return ZOK;
  };

  std::vector<std::string> cell_names;
  if (list(cells_path, cell_names) != ZOK) return fail(errc::coordinator_unavailable);
  std::vector<DirectoryCell> cells;
  for (const auto& name : cell_names) {
    if (!zk::plain_name(name)) continue;
    DirectoryCell cell;
    cell.name = name;
    const std::string path = cells_path + "/" + name;
    Stat stat{};
    const int disabled = zoo_wexists(zh_, (path + "/disabled").c_str(), &ZooKeeperDirectory::on_watch, this, &stat);
    if (disabled != ZOK && disabled != ZNONODE) return fail(errc::coordinator_unavailable);
    cell.enabled = disabled == ZNONODE;
    std::vector<std::string> members;
    if (list(path + "/servers", members) != ZOK) return fail(errc::coordinator_unavailable);
    for (const auto& member : members) {
      int rc = ZOK;
      auto data = zk::get_data(zh_, path + "/servers/" + member, rc);
      if (!data) continue;  // gone since the listing: its removal fired the watch
      if (auto info = decode_member(member, *data)) cell.servers.push_back(std::move(*info));
    }
    cells.push_back(std::move(cell));
  }

  std::vector<std::string> users;
  if (list(placement_path, users) != ZOK) return fail(errc::coordinator_unavailable);
  std::map<core::UserId, std::string> overrides;
  for (const auto& name : users) {
    if (overrides.size() == kMaxOverrides) {
      IRIS_LOG(warn, kLog, "more than {} placement overrides; the rest are ignored", kMaxOverrides);
      break;
    }
    const auto id = core::parse_id(name);
    if (!id) continue;
    // An override's cell may be changed in place (zoo_set): watch its data too.
    std::string buf(256, '\0');
    int len = static_cast<int>(buf.size());
    Stat stat{};
    const int rc = zoo_wget(zh_, (placement_path + "/" + name).c_str(), &ZooKeeperDirectory::on_watch, this,
                            buf.data(), &len, &stat);
    if (rc != ZOK) continue;
    buf.resize(len < 0 ? 0 : static_cast<std::size_t>(len));
    if (zk::plain_name(buf)) overrides.emplace(core::UserId{*id}, std::move(buf));
  }
  std::uint64_t version = 0;
  {
    std::lock_guard lock(mu_);
    version = reads_ + 1;
  }
  return std::make_shared<const Directory>(std::move(cells), std::move(overrides), version);
}

}  // namespace iris::cluster
