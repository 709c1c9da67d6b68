// iris threads: the inbox, newest activity first.
#include <fmt/format.h>

#include "apps/iris/commands.h"
#include "apps/iris/exit_code.h"
#include "apps/iris/session.h"

namespace iris::cli {

int cmd_threads(const Args& args, Output& out) {
  auto c = open_live(args, out);
  if (!c) return report(out, "threads", c.error());
  auto threads = (*c)->with_store([](const client::LocalStore& s) { return s.threads(); });
  if (!threads) return report(out, "threads", threads.error());
  if (out.json()) {
    std::string j = "{\"threads\":[";
    for (std::size_t i = 0; i < threads->size(); ++i) {
      const auto& t = (*threads)[i];
      std::string ps;
      for (const auto& p : t.participants) ps += (ps.empty() ? "" : ",") + json_string(std::to_string(p.value()));
      j += fmt::format(R"({}{{"id":{},"name":{},"participants":[{}],"unread":{},"last_activity_ms":{},"folder":{}}})",
                       i ? "," : "", json_string(std::to_string(t.id.value())), json_string(t.name), ps,
                       t.unread, t.last_activity.time_since_epoch().count(),
                       json_string(std::string(core::folder_name(t.folder))));
    }
    out.line(j + "]}");
    return kExitOk;
  }
  if (threads->empty()) out.line("no threads yet (iris create-thread USER... starts one)");
  for (const auto& t : *threads) {
    std::string ps;
    for (const auto& p : t.participants) ps += (ps.empty() ? "" : ", ") + std::to_string(p.value());
    out.line(fmt::format("{:>20}  {:<24} users {}{}{}", t.id.value(), t.name.empty() ? "(no name)" : t.name,
                         ps, t.unread ? fmt::format("  [{} unread]", t.unread) : "",
                         t.folder == core::Folder::inbox ? "" : fmt::format("  ({})", core::folder_name(t.folder))));
  }
  return kExitOk;
}

}  // namespace iris::cli
