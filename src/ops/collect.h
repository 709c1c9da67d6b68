#pragma once
// Gathering what irisctl shows, from ZooKeeper, each server's /metrics and the MariaDB pair.
// Blocking and bounded by Options::timeout per server; a part that does not answer is
// reported as such, never fatal, except ZooKeeper itself.

#include <optional>
#include <string>

#include "ops/cell_report.h"
#include "ops/options.h"
#include "base/result.h"
#include "core/ids.h"

namespace iris::ops {

Result<DeploymentReport> collect_deployment(const Options& options, std::string& error);

struct UserWhere {
  core::UserId user;
  std::optional<std::string> cell;    // nullopt: no cell
  bool overridden = false;            // placed by an operator, not by the hash
  std::optional<std::string> server{};  // nullopt: the cell has no live server
  std::string server_mqtt{}, server_http{};
};
Result<UserWhere> where_is(const Options& options, core::UserId user, std::string& error);
std::string render_where(const UserWhere& where, bool json);

// The changing commands: each one is recorded in the audit log (who, what, when) after it
// succeeds. `what` is the command line as typed.
Result<void> set_cell_enabled(const Options& options, const std::string& cell, bool enabled, std::string& error);
Result<void> place_user(const Options& options, core::UserId user, const std::string& cell, std::string& error);
// Asks `server` to drain; `cell` empty: the one cell that has a live member of that name.
Result<void> drain_server(const Options& options, const std::string& server, std::string cell, std::string& error);
// One audit entry for the command in `options`: "when <UTC> who <user@host> what <command>".
std::string audit_text(const Options& options);
Result<std::string> show_audit(const Options& options, std::size_t count, std::string& error);

}  // namespace iris::ops
