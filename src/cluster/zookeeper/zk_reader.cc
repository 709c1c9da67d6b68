#include "cluster/zookeeper/zk_reader.h"

#define THREADED  // the multi-threaded client's synchronous API
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "cluster/errc.h"
#include "cluster/zookeeper/zk_calls.h"

namespace iris::cluster {
namespace {

bool plain_segment(const std::string& s) { return !s.empty() && s.find('/') == std::string::npos; }

}  // namespace

struct ZooKeeperReader::SessionWait {
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

ZooKeeperReader::ZooKeeperReader(std::string root)
    : root_(std::move(root)), wait_(std::make_unique<SessionWait>()) {}

Result<std::unique_ptr<ZooKeeperReader>> ZooKeeperReader::connect(const std::string& hosts, std::string root,
                                                                  std::chrono::milliseconds timeout) {
  if (root.empty() || root.front() != '/') return fail(errc::invalid_member);
  zk::quiet_client_log();
  std::unique_ptr<ZooKeeperReader> r(new ZooKeeperReader(std::move(root)));
  SessionWait& wait = *r->wait_;
  const int session_ms = static_cast<int>(std::max<std::int64_t>(timeout.count(), 4000));
  r->zh_ = zookeeper_init2(hosts.c_str(), &SessionWait::on_session, session_ms, nullptr, &wait, 0,
                           &zk::client_log);
  if (r->zh_ == nullptr) return fail(errc::coordinator_unavailable);
  std::unique_lock lock(wait.mu);
  if (!wait.cv.wait_for(lock, timeout, [&] { return wait.connected; })) return fail(errc::coordinator_unavailable);
  return r;
}

ZooKeeperReader::~ZooKeeperReader() {
  if (zh_ != nullptr) zookeeper_close(zh_);
}

Result<std::vector<std::string>> ZooKeeperReader::children(const std::string& path) const {
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

Result<std::vector<std::string>> ZooKeeperReader::cells() const { return children(root_ + "/cells"); }

Result<CellListing> ZooKeeperReader::cell(const std::string& name) const {
  if (!plain_segment(name)) return fail(errc::invalid_member);
  const std::string path = root_ + "/cells/" + name;
  int rc = ZOK;
  auto data = zk::get_data(zh_, path, rc);
  if (!data) return fail(errc::coordinator_unavailable);
  CellListing out;
  out.name = name;
  if (auto config = decode_cell(*data)) out.config = *config;
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

}  // namespace iris::cluster
