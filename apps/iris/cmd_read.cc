// iris read THREAD: mark the thread read up to its latest message and wait until the
// server's read receipt comes back.
#include <fmt/format.h>

#include <thread>

#include "apps/iris/commands.h"
#include "apps/iris/exit_code.h"
#include "apps/iris/session.h"
#include "client/errc.h"

namespace iris::cli {

int cmd_read(const Args& args, Output& out) {
  auto c = open_live(args, out);
  if (!c) return report(out, "read", c.error());
  const core::ThreadId thread{args.thread};
  const core::UserId self = (*c)->with_store([](const client::LocalStore& s) { return s.self(); });
  auto [t, latest] = (*c)->with_store([&](const client::LocalStore& s) {
    return std::make_pair(s.thread(thread), s.messages(thread, std::nullopt, 50));
  });
  if (!t || !latest) return report(out, "read", client::errc::store);
  if (!*t) return report(out, fmt::format("read {}", args.thread), client::errc::unknown_thread);
  if (std::find((*t)->participants.begin(), (*t)->participants.end(), self) == (*t)->participants.end())
    return report(out, fmt::format("read {}", args.thread), client::errc::not_participant);
  std::optional<core::MessageId> up_to;
  for (const auto& m : *latest)
    if (!m.pending) up_to = m.id;
  if (!up_to) {
    out.line(out.json() ? R"({"read":null})" : "nothing to read");
    return kExitOk;
  }
  (*c)->mark_read(thread, *up_to);
  const auto deadline = std::chrono::steady_clock::now() + args.timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto marks = (*c)->with_store([&](const client::LocalStore& s) { return s.watermarks(thread); });
    if (marks)
      for (const auto& w : *marks)
        if (w.reader == self && w.up_to == *up_to) {
          if (out.json())
            out.line(fmt::format(R"({{"thread":"{}","read_up_to":"{}"}})", args.thread, up_to->value()));
          else
            out.line(fmt::format("thread {} read up to message {}", args.thread, up_to->value()));
          return kExitOk;
        }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return report(out, "read", client::errc::timeout);
}

}  // namespace iris::cli
