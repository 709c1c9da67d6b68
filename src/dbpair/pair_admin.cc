#include "dbpair/pair_admin.h"

#include <charconv>
#include <thread>

#include "base/log.h"
#include "dbpair/errc.h"

namespace iris::dbpair {
namespace {

Result<std::vector<Row>> run(AdminConnection& c, std::string_view sql) {
  auto rows = c.query(sql);
  if (!rows) {
    IRIS_LOG(warn, "dbpair", "{}: `{}` failed: {} ({})", c.address().to_string(), sql,
             c.last_error(), c.last_errno());
  }
  return rows;
}

std::uint64_t to_u64(std::string_view s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::string field(const Row& row, std::string_view name) {
  const auto it = row.find(name);
  return it == row.end() ? std::string{} : it->second;
}

Result<GtidPos> gtid(const Row& row, std::string_view name) { return GtidPos::parse(field(row, name)); }

}  // namespace

Result<Observation> observe(AdminConnection& server) {
  Observation o;
  auto vars = run(server,
                  "SELECT @@GLOBAL.read_only AS ro, @@GLOBAL.gtid_binlog_pos AS bp, "
                  "@@GLOBAL.gtid_slave_pos AS sp, @@GLOBAL.rpl_semi_sync_master_enabled AS se");
  if (!vars) return tl::unexpected(vars.error());
  if (vars->size() != 1) return fail(errc::query_failed);
  const Row& v = vars->front();
  o.read_only = field(v, "ro") == "1";
  o.semisync_enabled = field(v, "se") == "1";
  auto bp = gtid(v, "bp");
  auto sp = gtid(v, "sp");
  if (!bp || !sp) return fail(errc::bad_value);
  o.binlog_pos = std::move(*bp);
  o.slave_pos = std::move(*sp);
  auto status = run(server, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_%'");
  if (!status) return tl::unexpected(status.error());
  for (const Row& r : *status) {
    const std::string name = field(r, "Variable_name");
    const std::string value = field(r, "Value");
    if (name == "Rpl_semi_sync_master_status") o.semisync_on = value == "ON";
    if (name == "Rpl_semi_sync_master_no_tx") o.semisync_no_tx = to_u64(value);
    if (name == "Rpl_semi_sync_master_clients") o.semisync_clients = to_u64(value);
  }
  auto slave = run(server, "SHOW SLAVE STATUS");
  if (!slave) return tl::unexpected(slave.error());
  if (!slave->empty()) {
    const Row& s = slave->front();
    o.replicating = !field(s, "Master_Host").empty();
    o.io_running = field(s, "Slave_IO_Running");
    o.sql_running = field(s, "Slave_SQL_Running") == "Yes";
    auto io = gtid(s, "Gtid_IO_Pos");
    if (!io) return fail(errc::bad_value);
    o.io_pos = std::move(*io);
  }
  return o;
}

Result<std::uint64_t> read_generation(AdminConnection& server, const PromoteOptions& options) {
  if (!plain_name(options.database)) return fail(errc::bad_value);
  auto rows = run(server, "SELECT generation FROM `" + options.database + "`.`" +
                              std::string(kGenerationTable) + "` WHERE id = 1");
  if (!rows) return tl::unexpected(rows.error());
  return rows->empty() ? 0 : to_u64(field(rows->front(), "generation"));
}

Result<void> wait_applied(AdminConnection& replica, const PromoteOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.apply_timeout;
  for (;;) {
    auto o = observe(replica);
    if (!o) return tl::unexpected(o.error());
    // Nothing configured: a primary already, or a server that was reset; nothing to apply.
    if (!o->replicating || o->io_pos.within(o->slave_pos)) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      IRIS_LOG(error, "dbpair", "{}: relay log not applied in {} ms (received {}, applied {})",
               replica.address().to_string(), options.apply_timeout.count(),
               o->io_pos.to_string(), o->slave_pos.to_string());
      return fail(errc::not_caught_up);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool plain_name(std::string_view s) { return !s.empty() && s.find_first_of("`'\\") == std::string_view::npos; }

Result<void> promote(AdminConnection& replica, bool bump_generation, const PromoteOptions& options) {
  if (!plain_name(options.database)) return fail(errc::bad_value);  // quoted in statements
  if (auto r = wait_applied(replica, options); !r) return r;
  if (!run(replica, "STOP SLAVE")) return fail(errc::query_failed);
  if (!run(replica, "RESET SLAVE ALL")) return fail(errc::query_failed);
  if (bump_generation) {
    // Written while the server is still read-only (the admin account may write; the
    // application's may not) and before semi-sync waits for a replica that is not there
    // yet: the bump is committed before the first application write, and replicates to
    // whichever server joins next.
    const std::string table = "`" + options.database + "`.`" + std::string(kGenerationTable) + "`";
    if (!run(replica, "CREATE TABLE IF NOT EXISTS " + table +
                          " (id TINYINT UNSIGNED PRIMARY KEY, generation BIGINT UNSIGNED NOT NULL)"
                          " ENGINE=InnoDB") ||
        !run(replica, "INSERT INTO " + table + " (id, generation) VALUES (1, 1) "
                      "ON DUPLICATE KEY UPDATE generation = generation + 1")) {
      return fail(errc::query_failed);
    }
  }
  if (!run(replica, "SET GLOBAL rpl_semi_sync_master_enabled = 1")) return fail(errc::query_failed);
  if (!run(replica, "SET GLOBAL read_only = 0")) return fail(errc::query_failed);
  return {};
}

Result<void> fence(AdminConnection& server) {
  if (!run(server, "SET GLOBAL read_only = 1")) return fail(errc::query_failed);
  return {};
}

Result<void> replicate_from(AdminConnection& server, const ServerAddress& primary,
                            const GtidPos& primary_binlog_pos, const ReplicationAccount& account) {
  if (!plain_name(account.user) || account.password.find_first_of("'\\") != std::string::npos ||
      primary.host.find_first_of("'\\") != std::string::npos) {
    return fail(errc::bad_value);  // quoted in CHANGE MASTER
  }
  if (!run(server, "SET GLOBAL read_only = 1")) return fail(errc::query_failed);
  auto o = observe(server);
  if (!o) return tl::unexpected(o.error());
  if (!o->binlog_pos.within(primary_binlog_pos)) {
    IRIS_LOG(error, "dbpair", "{}: binlog {} is not within the primary's {}: restart it with "
             "--init-rpl-role=SLAVE (docs/REPLICATION.md)", server.address().to_string(),
             o->binlog_pos.to_string(), primary_binlog_pos.to_string());
    return fail(errc::diverged);
  }
  const std::string change =
      "CHANGE MASTER TO MASTER_HOST='" + primary.host + "', MASTER_PORT=" +
      std::to_string(primary.port) + ", MASTER_USER='" + account.user + "', MASTER_PASSWORD='" +
      account.password + "', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, "
      "MASTER_HEARTBEAT_PERIOD=0.5";
  for (std::string_view sql : {std::string_view("STOP SLAVE"), std::string_view("RESET SLAVE ALL"),
                               std::string_view("SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_binlog_pos"),
                               std::string_view(change),
                               std::string_view("SET GLOBAL rpl_semi_sync_master_enabled = 0"),
                               std::string_view("START SLAVE")}) {
    if (!run(server, sql)) return fail(errc::query_failed);
  }
  return {};
}

}  // namespace iris::dbpair
