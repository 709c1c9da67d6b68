// iris edit / unsend / delete / react THREAD MESSAGE [TEXT]: one MessageActionRequest, sent
// once the device is up to date; the command waits for the server's answer and then for the
// update to come back into the local store, so that `show` right after shows it.
#include <fmt/format.h>

#include <future>
#include <thread>

#include "apps/iris/commands.h"
#include "apps/iris/exit_code.h"
#include "apps/iris/session.h"
#include "client/errc.h"

namespace iris::cli {

int cmd_message_action(const Args& args, Output& out) {
  wire::MessageAction action = wire::MessageAction::edit;
  const char* verb = "edit";
  switch (args.command) {
    case Command::unsend: action = wire::MessageAction::unsend; verb = "unsend"; break;
    case Command::delete_for_me: action = wire::MessageAction::delete_for_me; verb = "delete"; break;
    case Command::react: action = wire::MessageAction::react; verb = "react"; break;
    default: break;
  }
  // The outcome of our request: its SendResult or its refusal. Set on the client's thread.
  auto outcome = std::make_shared<std::promise<Result<wire::SendResult>>>();
  auto mine = std::make_shared<std::optional<core::ClientMsgId>>();
  auto once = std::make_shared<std::once_flag>();
  auto ready = std::make_shared<std::mutex>();
  client::ClientCallbacks cb;
  cb.on_result = [=](const wire::SendResult& r) {
    std::lock_guard lock(*ready);
    if (*mine == r.client_id) std::call_once(*once, [&] { outcome->set_value(r); });
  };
  cb.on_error = [=](std::error_code ec, std::optional<core::ClientMsgId> id) {
    std::lock_guard lock(*ready);
    if (id && *mine == id) std::call_once(*once, [&] { outcome->set_value(fail(ec)); });
  };
  auto c = open_live(args, out, std::move(cb));
  if (!c) return report(out, verb, c.error());
  const core::ThreadId thread{args.thread};
  const core::MessageId message{args.message};
  {
    // Held while the id is stored, so an answer cannot come before we know it is ours.
    std::lock_guard lock(*ready);
    auto id = (*c)->act(thread, message, action, args.text);
    if (!id) return report(out, verb, id.error());
    *mine = *id;
  }
  auto fut = outcome->get_future();
  const auto deadline = std::chrono::steady_clock::now() + args.timeout;
  if (fut.wait_until(deadline) != std::future_status::ready) {
    out.error(fmt::format("{}: no answer from the server in time; the request stays in the outbox and goes "
                          "out with the next iris command", verb));
    return exit_code(client::errc::timeout);
  }
  auto result = fut.get();
  if (!result) return report(out, fmt::format("{} message {}", verb, args.message), result.error());
  // The update comes back in a batch: wait until the store holds its seq.
  while (std::chrono::steady_clock::now() < deadline &&
         (*c)->status().position.seq < result->seq) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (out.json()) {
    out.line(fmt::format(R"({{"thread":"{}","message":"{}","action":"{}","seq":"{}"}})", args.thread,
                         args.message, verb, result->seq.value()));
  } else {
    out.line(fmt::format("{}: message {} in thread {}", verb, args.message, args.thread));
  }
  return kExitOk;
}

}  // namespace iris::cli
