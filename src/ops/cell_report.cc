#include "ops/cell_report.h"

#include <fmt/format.h>

#include "base/json.h"

namespace iris::ops {
namespace {

std::string opt_number(const std::optional<double>& v, const char* missing = "-") {
  if (!v) return missing;
  return fmt::format("{:g}", *v);
}

std::string json_number(const std::optional<double>& v) { return v ? fmt::format("{:g}", *v) : "null"; }

}  // namespace

std::string render_text(const DeploymentReport& r) {
  std::string out;
  if (r.cells.empty()) out += fmt::format("no cells in zookeeper {}\n", r.zookeeper);
  for (const auto& cell : r.cells) {
    out += fmt::format("cell {}: {}, {} server{}, {} tokens each\n", cell.name,
                       cell.enabled ? "enabled" : "DISABLED (takes no new users)", cell.servers.size(),
                       cell.servers.size() == 1 ? "" : "s", cell.tokens_per_server);
    out += fmt::format("  {:<16} {:<21} {:<21} {:>7} {:>8} {:>7} {:>7} {:>9} {:>12}\n", "server", "mqtt", "http",
                       "ring", "users", "conns", "devices", "writable", "history lag");
    for (const auto& s : cell.servers) {
      out += fmt::format("  {:<16} {:<21} {:<21} {:>6.1f}% {:>8} {:>7} {:>7} {:>9} {:>12}\n", s.info.name,
                         s.info.mqtt.empty() ? "-" : s.info.mqtt, s.info.http.empty() ? "-" : s.info.http,
                         s.ring_share * 100, s.users ? std::to_string(*s.users) : "-", opt_number(s.connections),
                         opt_number(s.devices),
                         s.store_writable ? (*s.store_writable > 0 ? "yes" : "NO") : "-",
                         s.history_lag_s ? fmt::format("{:g}s", *s.history_lag_s) : "-");
      if (!s.metrics_ok) out += fmt::format("    /metrics: {}\n", s.metrics_error);
    }
    for (const auto& m : cell.unreadable_members) out += fmt::format("  {}: node data unreadable\n", m);
  }
  if (r.store_users) {
    out += fmt::format("store: {}{} users with a queue\n", *r.store_users, r.store_users_truncated ? "+" : "");
  }
  for (const auto& db : r.database) {
    if (!db.reachable) {
      out += fmt::format("db {}: unreachable ({})\n", db.address, db.error);
      continue;
    }
    out += fmt::format("db {}: {}", db.address, db.role);
    if (db.role == "primary") {
      out += fmt::format(", semi-sync {}, {} replica(s), {} commit(s) not acknowledged by a replica",
                         db.semisync_on ? "on" : "OFF", db.semisync_clients, db.semisync_no_tx);
    } else {
      out += fmt::format(", io {}, sql {}", db.io_running.empty() ? "-" : db.io_running,
                         db.sql_running ? "Yes" : "No");
    }
    out += fmt::format(", gtid {}\n", db.binlog_pos.empty() ? "-" : db.binlog_pos);
  }
  return out;
}

std::string render_json(const DeploymentReport& r) {
  std::string out = fmt::format("{{\"zookeeper\":{},\"cells\":[", json_string(r.zookeeper));
  for (std::size_t c = 0; c < r.cells.size(); ++c) {
    const auto& cell = r.cells[c];
    out += fmt::format("{}{{\"name\":{},\"enabled\":{},\"tokens_per_server\":{},\"servers\":[", c ? "," : "",
                       json_string(cell.name), cell.enabled ? "true" : "false", cell.tokens_per_server);
    for (std::size_t i = 0; i < cell.servers.size(); ++i) {
      const auto& s = cell.servers[i];
      out += fmt::format(
          "{}{{\"name\":{},\"address\":{},\"mqtt\":{},\"http\":{},\"ring_share\":{:.6f},\"users\":{},"
          "\"metrics_ok\":{},\"metrics_error\":{},\"connections\":{},\"devices\":{},\"store_writable\":{},"
          "\"history_lag_s\":{},\"history_users_behind\":{}}}",
          i ? "," : "", json_string(s.info.name), json_string(s.info.address), json_string(s.info.mqtt),
          json_string(s.info.http), s.ring_share, s.users ? std::to_string(*s.users) : "null",
          s.metrics_ok ? "true" : "false", json_string(s.metrics_error), json_number(s.connections),
          json_number(s.devices), json_number(s.store_writable), json_number(s.history_lag_s),
          json_number(s.history_users_behind));
    }
    out += "],\"unreadable_members\":[";
    for (std::size_t i = 0; i < cell.unreadable_members.size(); ++i) {
      out += (i ? "," : "") + json_string(cell.unreadable_members[i]);
    }
    out += "]}";
  }
  out += "],\"database\":[";
  for (std::size_t i = 0; i < r.database.size(); ++i) {
    const auto& db = r.database[i];
    out += fmt::format(
        "{}{{\"address\":{},\"reachable\":{},\"error\":{},\"role\":{},\"semisync_on\":{},\"semisync_no_tx\":{},"
        "\"semisync_clients\":{},\"gtid_binlog_pos\":{},\"io_running\":{},\"sql_running\":{}}}",
        i ? "," : "", json_string(db.address), db.reachable ? "true" : "false", json_string(db.error),
        json_string(db.role), db.semisync_on ? "true" : "false", db.semisync_no_tx, db.semisync_clients,
        json_string(db.binlog_pos), json_string(db.io_running), db.sql_running ? "true" : "false");
  }
  out += fmt::format("],\"store_users\":{},\"store_users_truncated\":{}}}\n",
                     r.store_users ? std::to_string(*r.store_users) : "null",
                     r.store_users_truncated ? "true" : "false");
  return out;
}

}  // namespace iris::ops
