#include "ops/collect.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <map>

#include "ops/http_get.h"
#include "ops/metrics_text.h"
#include "base/json.h"
#include "cluster/placement.h"
#include "cluster/ring.h"
#include "cluster/errc.h"
#include "cluster/zookeeper/zk_admin.h"
#include "dbpair/admin_connection.h"
#include "dbpair/pair_admin.h"

namespace iris::ops {
namespace {

Result<std::unique_ptr<cluster::ZooKeeperAdmin>> open_zookeeper(const Options& o, std::string& error) {
  auto zk = cluster::ZooKeeperAdmin::connect(o.zookeeper, o.root, o.timeout);
  if (!zk) error = fmt::format("zookeeper {} unreachable within {} ms", o.zookeeper, o.timeout.count());
  return zk;
}

void read_metrics(ServerReport& s, const Options& o) {
  if (s.info.http.empty()) {
    s.metrics_error = "no HTTP address published";
    return;
  }
  auto body = http_get(s.info.http, "/metrics", o.timeout);
  if (!body) {
    s.metrics_error = body.error().message();
    return;
  }
  const auto samples = sum_samples(*body);
  s.metrics_ok = true;
  s.connections = value_of(samples, "iris_connections");
  s.devices = value_of(samples, "iris_sync_devices");
  s.store_writable = value_of(samples, "iris_store_writable");
  s.history_lag_s = value_of(samples, "iris_storage_cursor_lag_seconds");
  s.history_users_behind = value_of(samples, "iris_history_users_behind");
}

dbpair::AdminOptions admin_options(const Options& o) {
  dbpair::AdminOptions a;
  a.user = o.admin_user;
  a.password = o.admin_password;
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(o.timeout);
  a.connect_timeout = a.read_timeout = a.write_timeout = std::max(secs, std::chrono::seconds(1));
  return a;
}

// The users with a queue, read from the primary (or any reachable server) in id order.
std::vector<core::UserId> read_users(DeploymentReport& report, const Options& o,
                                     const std::vector<dbpair::ServerAddress>& servers) {
  std::vector<core::UserId> users;
  if (!dbpair::plain_name(o.database)) return users;
  for (const auto& address : servers) {
    auto conn = dbpair::AdminConnection::connect(address, admin_options(o));
    if (!conn) continue;
    auto rows = conn->query(fmt::format("SELECT user_id FROM `{}`.queue_meta ORDER BY user_id LIMIT {}", o.database,
                                        o.max_users + 1));
    if (!rows) continue;
    for (const auto& row : *rows) {
      if (users.size() == o.max_users) {
        report.store_users_truncated = true;
        break;
      }
      if (const auto id = core::parse_id(row.at("user_id"))) users.push_back(core::UserId{*id});
    }
    report.store_users = users.size();
    break;
  }
  return users;
}

void read_database(DeploymentReport& report, const Options& o, std::vector<core::UserId>& users, std::string& error) {
  if (o.mariadb.empty()) return;
  auto servers = dbpair::parse_servers(o.mariadb);
  if (!servers) {
    error = "bad --mariadb " + o.mariadb;
    return;
  }
  for (const auto& address : *servers) {
    DbServerReport db;
    db.address = address.to_string();
    auto conn = dbpair::AdminConnection::connect(address, admin_options(o));
    if (!conn) {
      db.error = conn.error().message();
    } else if (auto seen = dbpair::observe(*conn); !seen) {
      db.error = conn->last_error().empty() ? seen.error().message() : conn->last_error();
    } else {
      db.reachable = true;
      db.role = seen->read_only ? "replica" : "primary";
      db.semisync_on = seen->semisync_on;
      db.semisync_no_tx = seen->semisync_no_tx;
      db.semisync_clients = seen->semisync_clients;
      db.binlog_pos = seen->binlog_pos.to_string();
      db.io_running = seen->io_running;
      db.sql_running = seen->sql_running;
    }
    report.database.push_back(std::move(db));
  }
  // Primary first: it has every committed queue.
  std::vector<dbpair::ServerAddress> order;
  for (std::size_t i = 0; i < servers->size(); ++i) {
    if (report.database[i].role == "primary") order.insert(order.begin(), (*servers)[i]);
    else order.push_back((*servers)[i]);
  }
  users = read_users(report, o, order);
}

Result<void> record_change(cluster::ZooKeeperAdmin& zk, const Options& o, std::string& error) {
  auto done = zk.record(audit_text(o));
  if (!done) error = "the change was made but could not be recorded in the audit log";
  return done;
}

}  // namespace

// "when 2026-12-06T08:40:00Z who alice@ops1 what cell disable eu1": one audit entry.
std::string audit_text(const Options& o) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const char* user = std::getenv("SUDO_USER");
  if (user == nullptr) user = std::getenv("USER");
  std::string who = user != nullptr ? user : "uid" + std::to_string(::getuid());
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) who += std::string("@") + host;
  std::string what;
  for (const auto& word : o.command) what += (what.empty() ? "" : " ") + word;
  return fmt::format("when {} who {} what {}", when, who, what);
}

Result<void> set_cell_enabled(const Options& o, const std::string& cell, bool enabled, std::string& error) {
  auto zk = open_zookeeper(o, error);
  if (!zk) return fail(zk.error());
  if (auto done = (*zk)->set_cell_enabled(cell, enabled); !done) {
    error = done.error() == cluster::errc::invalid_member ? "no cell " + cell : "zookeeper refused the change";
    return done;
  }
  return record_change(**zk, o, error);
}

Result<void> place_user(const Options& o, core::UserId user, const std::string& cell, std::string& error) {
  auto zk = open_zookeeper(o, error);
  if (!zk) return fail(zk.error());
  if (!cell.empty()) {
    auto names = (*zk)->cells();
    if (!names) {
      error = "cannot list the cells";
      return fail(names.error());
    }
    if (std::find(names->begin(), names->end(), cell) == names->end()) {
      error = "no cell " + cell;
      return fail(cluster::errc::invalid_member);
    }
  }
  if (auto done = (*zk)->set_override(user, cell); !done) {
    error = "zookeeper refused the change";
    return done;
  }
  return record_change(**zk, o, error);
}

Result<void> drain_server(const Options& o, const std::string& server, std::string cell, std::string& error) {
  auto zk = open_zookeeper(o, error);
  if (!zk) return fail(zk.error());
  if (cell.empty()) {
    auto names = (*zk)->cells();
    if (!names) {
      error = "cannot list the cells";
      return fail(names.error());
    }
    for (const auto& name : *names) {
      auto listing = (*zk)->cell(name);
      if (!listing) continue;
      for (const auto& s : listing->servers) {
        if (s.name != server) continue;
        if (!cell.empty()) {
          error = "server " + server + " is live in cells " + cell + " and " + name + ": name the cell";
          return fail(cluster::errc::invalid_member);
        }
        cell = name;
      }
    }
    if (cell.empty()) {
      error = "no live server " + server + " in any cell";
      return fail(cluster::errc::invalid_member);
    }
  }
  if (auto done = (*zk)->request_drain(cell, server); !done) {
    error = done.error() == cluster::errc::invalid_member ? "no live server " + server + " in cell " + cell
                                                          : "zookeeper refused the change";
    return done;
  }
  return record_change(**zk, o, error);
}

Result<std::string> show_audit(const Options& o, std::size_t count, std::string& error) {
  auto zk = open_zookeeper(o, error);
  if (!zk) return fail(zk.error());
  auto entries = (*zk)->audit(count);
  if (!entries) {
    error = "cannot read the audit log";
    return fail(entries.error());
  }
  std::string out = o.json ? "[" : "";
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const auto& e = (*entries)[i];
    if (o.json) out += fmt::format("{}{{\"id\":{},\"entry\":{}}}", i ? "," : "", json_string(e.id), json_string(e.text));
    else out += e.id + " " + e.text + "\n";
  }
  if (o.json) out += "]\n";
  return out;
}

Result<DeploymentReport> collect_deployment(const Options& o, std::string& error) {
  auto zk = open_zookeeper(o, error);
  if (!zk) return fail(zk.error());
  auto names = (*zk)->cells();
  if (!names) {
    error = "cannot list the cells under " + o.root + "/cells";
    return fail(names.error());
  }
  DeploymentReport report;
  report.zookeeper = o.zookeeper;
  std::vector<core::UserId> users;
  read_database(report, o, users, error);
  if (!error.empty()) return fail(std::errc::invalid_argument);
  for (const auto& name : *names) {
    auto listing = (*zk)->cell(name);
    if (!listing) continue;  // removed since the listing
    CellReport cell;
    cell.name = name;
    cell.tokens_per_server = listing->config ? listing->config->tokens_per_server : 0;
    cell.enabled = listing->enabled;
    cell.unreadable_members = listing->unreadable;
    const cluster::Ring ring(listing->servers);
    const auto shares = ring.shares();
    std::map<std::string, std::uint64_t, std::less<>> owned;
    if (report.store_users) {
      for (const auto user : users) ++owned[std::string(ring.owner_name(user))];
    }
    for (std::size_t i = 0; i < ring.servers().size(); ++i) {
      ServerReport s;
      s.info = ring.servers()[i];
      s.ring_share = i < shares.size() ? shares[i] : 0;
      if (report.store_users) s.users = owned[s.info.name];
      read_metrics(s, o);
      cell.servers.push_back(std::move(s));
    }
    report.cells.push_back(std::move(cell));
  }
  return report;
}

Result<UserWhere> where_is(const Options& o, core::UserId user, std::string& error) {
  auto zk = open_zookeeper(o, error);
  if (!zk) return fail(zk.error());
  auto placement = (*zk)->placement();
  if (!placement) {
    error = "cannot read the cells and placement overrides under " + o.root;
    return fail(placement.error());
  }
  UserWhere where{.user = user, .cell = placement->cell_of(user)};
  where.overridden = placement->overrides().contains(user);
  if (!where.cell) return where;
  auto listing = (*zk)->cell(*where.cell);
  if (!listing) {
    error = "cannot read cell " + *where.cell;
    return fail(listing.error());
  }
  const cluster::Ring ring(listing->servers);
  if (const auto index = ring.owner_of(user)) {
    const auto& owner = ring.servers()[*index];
    where.server = owner.name;
    where.server_mqtt = owner.mqtt;
    where.server_http = owner.http;
  }
  return where;
}

std::string render_where(const UserWhere& w, bool json) {
  if (json) {
    return fmt::format("{{\"user\":\"{}\",\"cell\":{},\"overridden\":{},\"server\":{},\"mqtt\":{},\"http\":{}}}\n",
                       w.user.value(), w.cell ? json_string(*w.cell) : "null", w.overridden ? "true" : "false",
                       w.server ? json_string(*w.server) : "null",
                       json_string(w.server_mqtt), json_string(w.server_http));
  }
  if (!w.cell) return fmt::format("user {}: no cell (none is enabled)\n", w.user.value());
  if (!w.server) return fmt::format("user {}: cell {}, no live server\n", w.user.value(), *w.cell);
  return fmt::format("user {}: cell {}{}, server {} (mqtt {}, http {})\n", w.user.value(), *w.cell,
                     w.overridden ? " (placed by an operator)" : "", *w.server,
                     w.server_mqtt.empty() ? "-" : w.server_mqtt, w.server_http.empty() ? "-" : w.server_http);
}

}  // namespace iris::ops
