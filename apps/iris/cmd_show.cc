// iris show THREAD [--before MESSAGE] [--limit N]: a thread's messages, oldest first.
#include <fmt/format.h>

#include "apps/iris/commands.h"
#include "apps/iris/exit_code.h"
#include "apps/iris/session.h"
#include "client/errc.h"

namespace iris::cli {

int cmd_show(const Args& args, Output& out) {
  auto c = open_live(args, out);
  if (!c) return report(out, "show", c.error());
  const core::ThreadId thread{args.thread};
  std::optional<core::MessageId> before;
  if (args.before) before = core::MessageId{*args.before};
  auto [t, ms] = (*c)->with_store([&](const client::LocalStore& s) {
    return std::make_pair(s.thread(thread), s.messages(thread, before, args.limit));
  });
  if (!t) return report(out, "show", t.error());
  if (!*t) return report(out, fmt::format("show {}", args.thread), client::errc::unknown_thread);
  if (!ms) return report(out, "show", ms.error());
  if (out.json()) {
    std::string j = fmt::format(R"({{"thread":{},"name":{},"messages":[)",
                                json_string(std::to_string(args.thread)), json_string((*t)->name));
    for (std::size_t i = 0; i < ms->size(); ++i) {
      const auto& m = (*ms)[i];
      j += fmt::format(R"({}{{"id":{},"sender":{},"time_ms":{},"text":{},"pending":{}}})", i ? "," : "",
                       json_string(std::to_string(m.id.value())),
                       json_string(std::to_string(m.sender.value())), m.time.time_since_epoch().count(),
                       json_string(m.text), m.pending ? "true" : "false");
    }
    out.line(j + "]}");
    return kExitOk;
  }
  out.line(fmt::format("# {} ({})", (*t)->name.empty() ? "(no name)" : (*t)->name, args.thread));
  for (const auto& m : *ms)
    out.line(fmt::format("{} {:>8}: {}{}{}", format_time(m.time), fmt::format("user {}", m.sender.value()),
                         m.text, m.pending ? "  (sending...)" : "",
                         m.pending ? "" : fmt::format("  [{}]", m.id.value())));
  if (ms->size() == args.limit && !ms->empty() && !ms->front().pending)
    out.line(fmt::format("(older: iris show {} --before {})", args.thread, ms->front().id.value()));
  return kExitOk;
}

}  // namespace iris::cli
