#pragma once
// Gathering what irisctl shows, from ZooKeeper, each server's /metrics and the MariaDB pair.
// Blocking and bounded by Options::timeout per server; a part that does not answer is
// reported as such, never fatal, except ZooKeeper itself.

#include <optional>
#include <string>

#include "apps/irisctl/cell_report.h"
#include "apps/irisctl/options.h"
#include "base/result.h"
#include "core/ids.h"

namespace iris::ctl {

Result<DeploymentReport> collect_deployment(const Options& options, std::string& error);

struct UserWhere {
  core::UserId user;
  std::optional<std::string> cell;    // nullopt: no cell
  std::optional<std::string> server;  // nullopt: the cell has no live server
  std::string server_mqtt, server_http;
};
Result<UserWhere> where_is(const Options& options, core::UserId user, std::string& error);
std::string render_where(const UserWhere& where, bool json);

}  // namespace iris::ctl
