#include "apps/iris-dbmon/options.h"

#include <charconv>
#include <stdexcept>
#include <string_view>

namespace iris::dbmon {
namespace {

std::int64_t number(std::string_view key, std::string_view value, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || end != value.data() + value.size() || v < min || v > max) {
    throw std::runtime_error("--" + std::string(key) + ": expected a number in [" +
                             std::to_string(min) + ", " + std::to_string(max) + "], got '" +
                             std::string(value) + "'");
  }
  return v;
}

}  // namespace

std::string help_text() {
  return "usage: iris-dbmon --servers HOST:PORT,HOST:PORT [options]\n"
         "\n"
         "The failover monitor of a replicated MariaDB pair (docs/REPLICATION.md). Run exactly one\n"
         "per deployment. It polls both servers; when the primary is unreachable for --down_after_ms\n"
         "and the replica no longer receives from it, it waits until the replica has applied\n"
         "everything it received, promotes it (semi-sync on, writes open), bumps the failover\n"
         "generation if the replica could lack an acknowledged write, fences a returning old\n"
         "primary (read-only) and attaches a returned read-only server as the new replica.\n"
         "\n"
         "  --servers H:P,H:P       both servers of the pair (required)\n"
         "  --admin_user U          account with SUPER-level rights on both servers. Default: root\n"
         "  --admin_password P      its password. Default: empty\n"
         "  --repl_user U           replication account. Default: repl\n"
         "  --repl_password P       its password. Default: repl\n"
         "  --database D            database of the failover generation row. Default: iris\n"
         "  --interval_ms N         time between two rounds of observations. Default: 100\n"
         "  --down_after_ms N       how long the primary must be unreachable before a failover.\n"
         "                          Default: 1000\n"
         "  --apply_timeout_ms N    how long the replica may take to apply its relay log before a\n"
         "                          promotion is refused and retried. Default: 10000\n"
         "  --connect_timeout_s N   connect timeout per server and round. Default: 1\n"
         "  --query_timeout_s N     read/write timeout per statement. Default: 2\n"
         "  --auto_rejoin 0|1       attach a returned read-only server to the primary. Default: 1\n"
         "  --metrics_port N        serve GET /metrics on this port (0: any). Default: off\n"
         "  --metrics_bind ADDR     address of /metrics (IPv4). Default: 127.0.0.1\n"
         "  --ports_file F          write metrics=PORT and pid=PID here once listening\n"
         "  --log_level L           debug, info, warn or error. Default: info\n"
         "  --help                  this text\n";
}

Options parse_options(int argc, char** argv) {
  Options o;
  auto& m = o.monitor;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      return o;
    }
    if (!arg.starts_with("--")) throw std::runtime_error("unexpected argument '" + std::string(arg) + "'");
    arg.remove_prefix(2);
    std::string_view key = arg;
    std::string value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      key = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      throw std::runtime_error("--" + std::string(key) + " needs a value");
    }
    if (key == "servers") {
      auto servers = dbpair::parse_servers(value);
      if (!servers || servers->size() != 2) {
        throw std::runtime_error("--servers: expected two HOST:PORT separated by a comma, got '" + value + "'");
      }
      m.servers = std::move(*servers);
    } else if (key == "admin_user") m.admin.user = value;
    else if (key == "admin_password") m.admin.password = value;
    else if (key == "repl_user") m.replication.user = value;
    else if (key == "repl_password") m.replication.password = value;
    else if (key == "database") m.promote.database = value;
    else if (key == "interval_ms") m.interval = std::chrono::milliseconds(number(key, value, 10, 60000));
    else if (key == "down_after_ms") m.policy.down_after = std::chrono::milliseconds(number(key, value, 0, 600000));
    else if (key == "apply_timeout_ms") m.promote.apply_timeout = std::chrono::milliseconds(number(key, value, 100, 3600000));
    else if (key == "connect_timeout_s") m.admin.connect_timeout = std::chrono::seconds(number(key, value, 1, 60));
    else if (key == "query_timeout_s") {
      m.admin.read_timeout = m.admin.write_timeout = std::chrono::seconds(number(key, value, 1, 600));
    } else if (key == "auto_rejoin") m.auto_rejoin = number(key, value, 0, 1) == 1;
    else if (key == "metrics_port") o.metrics_port = static_cast<int>(number(key, value, 0, 65535));
    else if (key == "metrics_bind") o.metrics_bind = value;
    else if (key == "ports_file") o.ports_file = value;
    else if (key == "log_level") {
      if (value == "debug") o.log_level = log::Level::debug;
      else if (value == "info") o.log_level = log::Level::info;
      else if (value == "warn") o.log_level = log::Level::warn;
      else if (value == "error") o.log_level = log::Level::error;
      else throw std::runtime_error("--log_level: expected debug, info, warn or error, got '" + value + "'");
    }
    else throw std::runtime_error("unknown option --" + std::string(key) + " (see --help)");
  }
  if (m.servers.empty()) throw std::runtime_error("--servers is required (see --help)");
  // Backticks quote the database name in statements; refuse what could break out of them.
  if (m.promote.database.empty() || m.promote.database.find_first_of("`'\\") != std::string::npos) {
    throw std::runtime_error("--database: a plain name is required");
  }
  for (const std::string* s : {&m.replication.user, &m.replication.password}) {
    if (s->find_first_of("'\\") != std::string::npos) {
      throw std::runtime_error("--repl_user/--repl_password: quotes and backslashes are not allowed");
    }
  }
  return o;
}

}  // namespace iris::dbmon
