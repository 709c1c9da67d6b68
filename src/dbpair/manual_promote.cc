#include "dbpair/manual_promote.h"

#include <algorithm>
#include <optional>
#include <thread>

#include "base/log.h"
#include "dbpair/errc.h"

namespace iris::dbpair {
namespace {

// Waits until the replica has received everything in `primary_pos` (the primary is fenced,
// so the position no longer moves).
Result<void> wait_received(AdminConnection& replica, const GtidPos& primary_pos,
                           const PromoteOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.apply_timeout;
  for (;;) {
    auto o = observe(replica);
    if (!o) return tl::unexpected(o.error());
    if (primary_pos.within(o->io_pos)) return {};
    if (std::chrono::steady_clock::now() >= deadline) return fail(errc::not_caught_up);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

Result<ManualPromoteReport> manual_promote(const ManualPromoteOptions& options) {
  std::vector<std::optional<AdminConnection>> conns;
  std::vector<std::optional<Observation>> seen;
  // One bounded statement at a time, but STOP SLAVE may wait for an IO thread stuck on a
  // hung primary: the promotion's own timeout.
  AdminOptions patient = options.admin;
  patient.read_timeout = patient.write_timeout =
      std::max(options.admin.read_timeout, options.promote.statement_timeout);
  for (const auto& s : options.servers) {
    auto c = AdminConnection::connect(s, patient);
    std::optional<Observation> o;
    if (c) {
      if (auto got = observe(*c)) o = std::move(*got);
    }
    conns.push_back(c ? std::optional<AdminConnection>(std::move(*c)) : std::nullopt);
    seen.push_back(std::move(o));
  }
  std::optional<std::size_t> primary, replica;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) continue;
    if (!seen[i]->read_only) {
      if (primary) return fail(errc::no_candidate);  // two writable servers: an operator's call
      primary = i;
    } else if (!replica || seen[*replica]->binlog_pos.within(seen[i]->binlog_pos)) {
      replica = i;  // of several read-only servers, the one that has the most
    }
  }
  if (!replica) return fail(errc::no_candidate);
  // Without a writable primary, the generation stays only if every other server is reachable
  // and has nothing the chosen one lacks (e.g. a primary fenced by an earlier attempt).
  bool complete = true;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (i != *replica && (!seen[i] || !seen[i]->binlog_pos.within(seen[*replica]->binlog_pos))) {
      complete = false;
    }
  }
  AdminConnection& r = *conns[*replica];
  ManualPromoteReport report{options.servers[*replica], primary.has_value(),
                             !primary.has_value() && !complete};
  if (primary) {
    AdminConnection& p = *conns[*primary];
    if (auto f = fence(p); !f) return tl::unexpected(f.error());
    auto fenced = observe(p);
    if (!fenced) return tl::unexpected(fenced.error());
    if (auto w = wait_received(r, fenced->binlog_pos, options.promote); !w) {
      IRIS_LOG(error, "dbpair", "replica {} did not receive {}; reopening the primary",
               options.servers[*replica].to_string(), fenced->binlog_pos.to_string());
      p.query("SET GLOBAL read_only = 0");
      return tl::unexpected(w.error());
    }
    if (auto pr = promote(r, false, options.promote); !pr) return tl::unexpected(pr.error());
    auto promoted = observe(r);
    if (!promoted) return tl::unexpected(promoted.error());
    if (auto j = replicate_from(p, options.servers[*replica], promoted->binlog_pos,
                                options.replication); !j) {
      return tl::unexpected(j.error());
    }
    return report;
  }
  if (seen[*replica]->replicating && seen[*replica]->io_running == "Yes" && !options.force) {
    return fail(errc::primary_alive);
  }
  if (auto pr = promote(r, report.generation_bumped, options.promote); !pr) {
    return tl::unexpected(pr.error());
  }
  return report;
}

}  // namespace iris::dbpair
