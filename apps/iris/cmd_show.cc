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
  // Edit counts and reactions (protocol version 5), per message.
  std::vector<client::LocalStore::MessageMeta> meta;
  for (const auto& m : *ms) {
    auto mm = (*c)->with_store([&](const client::LocalStore& s) { return s.message_meta(m.id); });
    if (!mm) return report(out, "show", mm.error());
    meta.push_back(std::move(*mm));
  }
  auto reactions_json = [](const client::LocalStore::MessageMeta& mm) {
    std::string r = "[";
    for (std::size_t k = 0; k < mm.reactions.size(); ++k) {
      r += fmt::format(R"({}{{"user":{},"reaction":{}}})", k ? "," : "",
                       json_string(std::to_string(mm.reactions[k].user.value())),
                       json_string(mm.reactions[k].reaction));
    }
    return r + "]";
  };
  auto annotation = [](const client::LocalStore::MessageMeta& mm) {
    std::string a;
    for (const auto& f : mm.attachments) a += "  " + attachment_text(f);
    if (mm.edit_count == 1) a += "  (edited)";
    if (mm.edit_count > 1) a += fmt::format("  (edited {} times)", mm.edit_count);
    if (!mm.reactions.empty()) {
      a += "  {";
      for (std::size_t k = 0; k < mm.reactions.size(); ++k) {
        a += fmt::format("{}{} user {}", k ? ", " : "", mm.reactions[k].reaction, mm.reactions[k].user.value());
      }
      a += "}";
    }
    return a;
  };
  if (out.json()) {
    std::string j = fmt::format(R"({{"thread":{},"name":{},"messages":[)",
                                json_string(std::to_string(args.thread)), json_string((*t)->name));
    for (std::size_t i = 0; i < ms->size(); ++i) {
      const auto& m = (*ms)[i];
      j += fmt::format(R"({}{{"id":{},"sender":{},"time_ms":{},"text":{},"pending":{},"edit_count":{},"reactions":{}}})",
                       i ? "," : "", json_string(std::to_string(m.id.value())),
                       json_string(std::to_string(m.sender.value())), m.time.time_since_epoch().count(),
                       json_string(m.text), m.pending ? "true" : "false", meta[i].edit_count,
                       reactions_json(meta[i]));
      if (!meta[i].attachments.empty()) {
        j.pop_back();  // the message's closing brace: its attachments go before it
        j += R"(,"attachments":[)";
        for (std::size_t k = 0; k < meta[i].attachments.size(); ++k) {
          j += (k ? "," : "") + attachment_json(meta[i].attachments[k]);
        }
        j += "]}";
      }
    }
    out.line(j + "]}");
    return kExitOk;
  }
  out.line(fmt::format("# {} ({})", (*t)->name.empty() ? "(no name)" : (*t)->name, args.thread));
  for (std::size_t i = 0; i < ms->size(); ++i) {
    const auto& m = (*ms)[i];
    out.line(fmt::format("{} {:>8}: {}{}{}{}", format_time(m.time), fmt::format("user {}", m.sender.value()),
                         m.text, m.pending ? "  (sending...)" : "",
                         m.pending ? "" : fmt::format("  [{}]", m.id.value()), annotation(meta[i])));
  }
  if (ms->size() == args.limit && !ms->empty() && !ms->front().pending)
    out.line(fmt::format("(older: iris show {} --before {})", args.thread, ms->front().id.value()));
  return kExitOk;
}

}  // namespace iris::cli
