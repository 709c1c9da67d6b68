#include "cluster/zookeeper/zk_calls.h"

#define THREADED  // the multi-threaded client's synchronous API
#include <zookeeper/zookeeper.h>

#include "base/log.h"
#include "cluster/errc.h"
#include "cluster/membership.h"

namespace iris::cluster::zk {

int max_node_bytes() { return static_cast<int>(kMaxTokens) * 17 + 512; }

void client_log(const char* message) { IRIS_LOG(debug, "zookeeper", "{}", message); }

void quiet_client_log() {
  static const bool once = [] {
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    return true;
  }();
  (void)once;
}

bool plain_name(const std::string& name) {
  return !name.empty() && name.size() <= 255 && name.find('/') == std::string::npos && name != "." && name != "..";
}

Result<std::string> get_data(zhandle_t* zh, const std::string& path, int& rc) {
  const int limit = max_node_bytes();
  std::string buf(static_cast<std::size_t>(limit), '\0');
  int len = limit;
  Stat stat{};
  rc = zoo_get(zh, path.c_str(), 0, buf.data(), &len, &stat);
  if (rc != ZOK) return fail(errc::coordinator_unavailable);
  buf.resize(len < 0 ? 0 : static_cast<std::size_t>(len));
  return buf;
}

}  // namespace iris::cluster::zk
