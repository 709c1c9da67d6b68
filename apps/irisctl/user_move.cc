#include "apps/irisctl/user_move.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "cluster/move_plan.h"
#include "cluster/zookeeper/zk_admin.h"
#include "ops/collect.h"
#include "store/errc.h"
#include "store/mariadb/user_move.h"

namespace iris::ops {
namespace {

namespace db = store::mariadb;

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = list.find(',', start);
    const auto end = comma == std::string::npos ? list.size() : comma;
    if (end > start) out.push_back(list.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// A cell's store as --store gives it: "host:port[,host:port][/database]".
struct StoreAddress {
  std::vector<std::string> servers;
  std::string database;
  bool operator==(const StoreAddress&) const = default;
};

Result<StoreAddress> store_of(const Options& o, const std::string& cell, std::string& error) {
  const auto it = o.stores.find(cell);
  if (it == o.stores.end()) {
    error = fmt::format("user move needs --store {}=HOST:PORT[,HOST:PORT][/DATABASE] (cell {}'s MariaDB pair)", cell,
                        cell);
    return fail(std::errc::invalid_argument);
  }
  StoreAddress a;
  std::string pair = it->second;
  a.database = o.database;
  if (const auto slash = pair.find('/'); slash != std::string::npos) {
    a.database = pair.substr(slash + 1);
    pair.resize(slash);
  }
  a.servers = split(pair);
  if (a.servers.empty() || a.database.empty()) {
    error = fmt::format("bad --store {}={}", cell, it->second);
    return fail(std::errc::invalid_argument);
  }
  return a;
}

// A connection to the writable server of a cell's pair (the primary): the fence and the copy
// must land where the cell's servers write, never on a replica.
Result<db::Connection> open_primary(const Options& o, const std::string& cell, std::string& error) {
  auto address = store_of(o, cell, error);
  if (!address) return fail(address.error());
  store::MariaDbOptions m;
  m.servers = address->servers;
  m.user = o.admin_user;
  m.password = o.admin_password;
  m.database = address->database;
  const auto secs = std::max(std::chrono::duration_cast<std::chrono::seconds>(o.timeout), std::chrono::seconds(1));
  m.connect_timeout = secs;
  m.read_timeout = m.write_timeout = std::max(secs, o.fence_wait + std::chrono::seconds(1));
  for (const auto& server : m.servers) {
    auto parsed = db::parse_server(server);
    if (!parsed) {
      error = fmt::format("bad --store {}: {}", cell, server);
      return fail(parsed.error());
    }
    auto conn = db::Connection::open(*parsed, m);
    if (!conn) continue;
    if (auto writable = conn->writable(); writable && *writable) return std::move(*conn);
  }
  error = fmt::format("no writable server in cell {}'s --store", cell);
  return fail(std::errc::host_unreachable);
}

// Refuses a --store that looks like another cell's: its owner rows name live servers of
// another cell and none of `cell`'s (a fence or a copy in the wrong database would strand the
// user). A store whose rows name nobody live proves nothing either way and is taken.
Result<void> check_store_of(db::Connection& conn, const cluster::ZooKeeperAdmin& zk, const cluster::Placement& placement,
                            const std::string& cell, std::string& error) {
  auto rows = conn.query_one("SELECT DISTINCT owner FROM queue_owner WHERE owner NOT LIKE 'moved:%' LIMIT 1000");
  if (!rows) {
    error = "cannot read cell " + cell + "'s store";
    return fail(rows.error());
  }
  std::vector<std::string> owners;
  for (std::size_t i = 0; i < rows->size(); ++i) owners.emplace_back(rows->bytes(i, 0));
  bool mine = false;
  std::string other;
  for (const auto& c : placement.cells()) {
    auto listing = zk.cell(c.name);
    if (!listing) continue;
    for (const auto& s : listing->servers) {
      if (std::find(owners.begin(), owners.end(), s.name) == owners.end()) continue;
      if (c.name == cell) mine = true;
      else other = c.name;
    }
  }
  if (!mine && !other.empty()) {
    error = "--store " + cell + "=... looks like cell " + other + "'s store (its owner rows name " + other +
            "'s servers, none of " + cell + "'s)";
    return fail(std::errc::invalid_argument);
  }
  return {};
}

}  // namespace

Result<std::string> move_user(const Options& o, core::UserId user, const std::string& target, std::string& error) {
  auto zk = cluster::ZooKeeperAdmin::connect(o.zookeeper, o.root, o.timeout);
  if (!zk) {
    error = fmt::format("zookeeper {} unreachable within {} ms", o.zookeeper, o.timeout.count());
    return fail(zk.error());
  }
  auto placement = (*zk)->placement();
  if (!placement) {
    error = "cannot read the placement";
    return fail(placement.error());
  }
  const auto& cells = placement->cells();
  if (std::none_of(cells.begin(), cells.end(), [&](const auto& c) { return c.name == target; })) {
    error = "no cell " + target;
    return fail(std::errc::invalid_argument);
  }
  const auto current = placement->cell_of(user);
  if (!current) {
    error = "the user has no cell (no cell is enabled)";
    return fail(std::errc::invalid_argument);
  }
  if (*current != target) {
    auto from = store_of(o, *current, error);
    auto to = store_of(o, target, error);
    if (!from || !to) return fail(std::errc::invalid_argument);
    if (*from == *to) {
      error = "cells " + *current + " and " + target + " are given the same store: a move copies between two";
      return fail(std::errc::invalid_argument);
    }
  }
  // The plan reads the fence in the store of the user's cell by the placement, whichever
  // cell that is now (a re-run after the placement flipped reads the target's).
  auto source = open_primary(o, *current, error);
  if (!source) return fail(source.error());
  if (auto checked = check_store_of(*source, **zk, *placement, *current, error); !checked) return fail(checked.error());
  // Both stores are checked before anything is changed.
  std::optional<db::Connection> to;
  if (*current != target) {
    auto opened = open_primary(o, target, error);
    if (!opened) return fail(opened.error());
    if (auto checked = check_store_of(*opened, **zk, *placement, target, error); !checked) {
      return fail(checked.error());
    }
    to = std::move(*opened);
  }
  auto owner = db::owner_of(*source, user);
  if (!owner) {
    error = "cannot read the user's owner row in the current cell's store";
    return fail(owner.error());
  }
  cluster::MoveState state{*current, *owner ? cluster::moved_to(**owner) : std::nullopt};
  const auto plan = cluster::plan_move(state, target);
  using Kind = cluster::MovePlan::Kind;
  const auto audit = [&](const std::string& done) -> Result<std::string> {
    if (auto r = (*zk)->record(audit_text(o)); !r) {
      error = "the change was made but could not be recorded in the audit log";
      return fail(r.error());
    }
    return done;
  };
  switch (plan.kind) {
    case Kind::refuse:
      error = plan.why;
      return fail(std::errc::operation_not_permitted);
    case Kind::already_there:
      return fmt::format("user {} is in cell {} already: nothing to do", user.value(), target);
    case Kind::undo:
      if (auto r = db::unfence_user(*source, user, cluster::moved_owner(*state.fenced_to)); !r) {
        error = "cannot remove the fence in the current cell's store";
        return fail(r.error());
      }
      return audit(fmt::format("user {}: the half-done move to cell {} is undone; cell {} serves it again", user.value(),
                               *state.fenced_to, *current));
    case Kind::move:
      // Step 1: from here on the current cell's servers append nothing for the user; sends
      // for it are refused (the senders retry) until the override names the target.
      if (auto r = db::fence_user(*source, user, cluster::moved_owner(target), o.fence_wait); !r) {
        error = "cannot fence the user in the current cell's store (an append in flight held it longer than --fence_wait_ms?)";
        return fail(r.error());
      }
      [[fallthrough]];
    case Kind::resume: {
      auto rows = db::export_user(*source, user, o.max_move_bytes);
      if (!rows) {
        error = rows.error() == store::errc::overloaded
                    ? fmt::format("the user's rows exceed --max_move_bytes {}", o.max_move_bytes)
                    : "cannot read the user's rows in the current cell's store";
        return fail(rows.error());
      }
      std::size_t history_rows = 0;
      for (const auto& t : rows->history) history_rows += t.rows.size();
      const std::string history = rows->history.empty() ? std::string("no history tables in the old cell's store")
                                                        : fmt::format("{} history rows", history_rows);
      if (auto r = db::import_user(*to, *rows); !r) {
        error = "cannot copy the user to the target cell's store (re-run the command to finish the move)";
        return fail(r.error());
      }
      if (auto r = (*zk)->set_override(user, target); !r) {
        error = "the rows were copied but the placement could not be written (re-run the command)";
        return fail(r.error());
      }
      return audit(fmt::format("user {} moved from cell {} to cell {}: {} updates (seq {}..{}), {} cursors, {} "
                               "idempotency records, {} pending fan-out rows, {}; its devices are sent there",
                               user.value(), *current, target, rows->updates.size(), rows->first_seq,
                               rows->head_seq, rows->cursors.size(), rows->idempotency.size(), rows->fanout.size(),
                               history));
    }
  }
  return fail(std::errc::invalid_argument);
}

}  // namespace iris::ops
