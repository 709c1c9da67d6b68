// iris tail [--count N]: new messages (and typing) as they arrive, with thread names and
// senders, until Ctrl-C or N messages.
#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <mutex>

#include "apps/iris/commands.h"
#include "apps/iris/exit_code.h"
#include "apps/iris/session.h"

namespace iris::cli {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted = true; }

// Handed from the client's thread to the printing thread.
struct Feed {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::variant<core::Update, wire::Typing>> items;  // GUARDED_BY(mu)
};

}  // namespace

int cmd_tail(const Args& args, Output& out) {
  auto feed = std::make_shared<Feed>();
  client::ClientCallbacks cb;
  cb.on_batch = [feed](const wire::DeltaBatch& b) {
    {
      std::lock_guard lock(feed->mu);
      for (const auto& u : b.updates)
        if (std::holds_alternative<core::MessageCreated>(u.body)) feed->items.push_back(u);
    }
    feed->cv.notify_one();
  };
  cb.on_typing = [feed](const wire::Typing& t) {
    {
      std::lock_guard lock(feed->mu);
      feed->items.push_back(t);
    }
    feed->cv.notify_one();
  };
  auto c = open_live(args, out, std::move(cb), /*typing=*/true);
  if (!c) return report(out, "tail", c.error());
  {
    // What arrived during the catch-up is history, not news.
    std::lock_guard lock(feed->mu);
    feed->items.clear();
  }
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  if (!out.json()) out.line("-- live; Ctrl-C to stop --");
  std::uint64_t printed = 0;
  while (!g_interrupted && (!args.count || printed < *args.count)) {
    std::unique_lock lock(feed->mu);
    feed->cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return !feed->items.empty(); });
    auto items = std::move(feed->items);
    feed->items.clear();
    lock.unlock();
    for (const auto& item : items) {
      const core::ThreadId thread = std::visit(
          [](const auto& v) { return v.thread; }, item);
      auto t = (*c)->with_store([&](const client::LocalStore& s) { return s.thread(thread); });
      std::string name = (t && *t && !(*t)->name.empty()) ? (*t)->name : std::to_string(thread.value());
      if (const auto* u = std::get_if<core::Update>(&item)) {
        const auto& m = std::get<core::MessageCreated>(u->body);
        if (out.json())
          out.line(fmt::format(R"({{"thread":"{}","thread_name":{},"sender":"{}","message":"{}","time_ms":{},"text":{}}})",
                               thread.value(), json_string(name), u->actor.value(), m.message.value(),
                               u->time.time_since_epoch().count(), json_string(m.text)));
        else
          out.line(fmt::format("{} [{}] user {}: {}", format_time(u->time), name, u->actor.value(), m.text));
        ++printed;
      } else {
        const auto& ty = std::get<wire::Typing>(item);
        if (out.json())
          out.line(fmt::format(R"({{"thread":"{}","thread_name":{},"typing":"{}","active":{}}})", thread.value(),
                               json_string(name), ty.user.value(), ty.active ? "true" : "false"));
        else if (ty.active)
          out.line(fmt::format("[{}] user {} is typing...", name, ty.user.value()));
      }
      if (args.count && printed >= *args.count) break;
    }
  }
  return kExitOk;
}

}  // namespace iris::cli
