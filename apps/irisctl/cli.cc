#include "apps/irisctl/cli.h"

#include <charconv>
#include <string_view>

namespace iris::ops {
namespace {

bool parse_count(std::string_view text, std::size_t& out) {
  std::size_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return false;
  out = v;
  return true;
}

}  // namespace

std::string help_text() {
  return R"(usage: irisctl COMMAND [options]

Operator's view of an Iris deployment (docs/DEPLOY.md, docs/CLUSTER.md).

Commands:
  cells                 every cell in ZooKeeper: its servers (addresses, share of the ring,
                        users owned, connections, devices, store writable, history lag from
                        each server's /metrics) and, with --mariadb, the database pair's
                        roles, semi-sync state and GTID positions
  user where USER       the cell (placement) and the server (that cell's ring) of USER
  cell enable|disable CELL
                        a disabled cell takes no new users (those placed in it stay)
  user place USER [CELL]
                        places USER in CELL whatever the hash says; without CELL, by the
                        hash again. Moves no data: for a user with no queue yet (else use
                        user move)
  user move USER CELL   moves USER to CELL: fences it in its current cell's store (--store),
                        copies its queue, cursors, idempotency and pending fan-out rows to
                        CELL's store (--store) keeping its epoch, then places it in CELL;
                        the old cell's servers send its devices there (MQTT 5: DISCONNECT
                        0x9C; 3.1.1: a close). Re-run after a failure to finish the move; aim
                        it at the current cell to undo a half-done one
  server drain SERVER [CELL]
                        asks SERVER (a live member; CELL when the name is in several cells)
                        to drain: it leaves the ring, so the others own its users, and tells
                        its devices to reconnect (MQTT 5: DISCONNECT 0x9C; 3.1.1: a close) at
                        its cluster.disconnect_rate. It keeps relaying devices that reach it
                        until it is stopped; its next start clears the request
  audit [--last N]      the last N changes made with irisctl: who, what, when (default 20)

Every change (cell, user place, user move, server drain) is recorded in ZooKeeper under ROOT/audit.

Options:
  --zookeeper H:P[,H:P]   the ensemble. Default: 127.0.0.1:2181
  --root PATH             the deployment's root znode. Default: /iris
  --mariadb H:P,H:P       the store's MariaDB pair (read: roles, replication, the users with
                          a queue). Default: not read
  --store CELL=H:P[,H:P][/DB]
                          user move: the MariaDB pair (and database, default --database) of
                          CELL's store; give one for the user's current cell and one for the
                          target. Repeatable. Default: none
  --max_move_bytes N      user move: most bytes of the user's records copied. Default: 268435456
  --fence_wait_ms N       user move: longest wait of the fence for an append in flight.
                          Default: 5000
  --admin_user U          account on the pair. Default: root
  --admin_password P      its password. Default: empty
  --database D            the store's database. Default: iris
  --max_users N           most users read from the store to count each server's. Default: 1000000
  --timeout_ms N          for each server contacted. Default: 2000
  --json                  one JSON object instead of text
  --help                  this text

)";
}

Result<Options> parse_options(int argc, const char* const* argv, std::string& error) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with("--")) {
      o.command.emplace_back(arg);
      continue;
    }
    arg.remove_prefix(2);
    std::string key(arg), value;
    bool has_value = false;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      key = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
      has_value = true;
    }
    if (key == "json" || key == "help") {
      (key == "json" ? o.json : o.help) = true;
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        error = "--" + key + " needs a value";
        return fail(std::errc::invalid_argument);
      }
      value = argv[++i];
    }
    std::size_t n = 0;
    if (key == "zookeeper") o.zookeeper = value;
    else if (key == "root") o.root = value;
    else if (key == "mariadb") o.mariadb = value;
    else if (key == "admin_user") o.admin_user = value;
    else if (key == "admin_password") o.admin_password = value;
    else if (key == "database") o.database = value;
    else if (key == "max_users" && parse_count(value, n)) o.max_users = n;
    else if (key == "store" && value.find('=') != std::string::npos && value.find('=') > 0) {
      o.stores[value.substr(0, value.find('='))] = value.substr(value.find('=') + 1);
    }
    else if (key == "max_move_bytes" && parse_count(value, n) && n > 0) o.max_move_bytes = n;
    else if (key == "fence_wait_ms" && parse_count(value, n) && n >= 1000 && n <= 600000) {
      o.fence_wait = std::chrono::seconds(n / 1000);
    }
    else if (key == "last" && parse_count(value, n) && n > 0) o.last = n;
    else if (key == "timeout_ms" && parse_count(value, n) && n > 0 && n <= 600000) o.timeout = std::chrono::milliseconds(n);
    else {
      error = "bad option --" + key + (has_value || !value.empty() ? " " + value : "");
      return fail(std::errc::invalid_argument);
    }
  }
  return o;
}

}  // namespace iris::ops
