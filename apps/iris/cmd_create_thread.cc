// iris create-thread [--name NAME] USER...: a new thread with these users and me; prints its id.
#include <fmt/format.h>

#include <future>

#include "apps/iris/commands.h"
#include "apps/iris/exit_code.h"
#include "apps/iris/session.h"
#include "client/errc.h"

namespace iris::cli {

int cmd_create_thread(const Args& args, Output& out) {
  auto outcome = std::make_shared<std::promise<Result<wire::SendResult>>>();
  auto mine = std::make_shared<std::optional<core::ClientMsgId>>();
  auto once = std::make_shared<std::once_flag>();
  auto pending = std::make_shared<std::mutex>();
  client::ClientCallbacks cb;
  cb.on_result = [=](const wire::SendResult& r) {
    std::lock_guard lock(*pending);
    if (*mine == r.client_id) std::call_once(*once, [&] { outcome->set_value(r); });
  };
  cb.on_error = [=](std::error_code ec, std::optional<core::ClientMsgId> id) {
    std::lock_guard lock(*pending);
    if (*mine == id) std::call_once(*once, [&] { outcome->set_value(fail(ec)); });
  };
  auto c = open_live(args, out, std::move(cb));
  if (!c) return report(out, "create-thread", c.error());
  std::vector<core::UserId> users;
  for (auto u : args.users) users.emplace_back(u);
  {
    // Holding the lock until `mine` is set: the answer cannot be matched before it.
    std::lock_guard lock(*pending);
    auto id = (*c)->create_thread(args.name, users);
    if (!id) return report(out, "create-thread", id.error());
    *mine = *id;
  }
  auto fut = outcome->get_future();
  if (fut.wait_for(args.timeout) != std::future_status::ready)
    return report(out, "create-thread", client::errc::timeout);
  auto result = fut.get();
  if (!result) return report(out, "create-thread", result.error());
  (void)(*c)->wait_outbox_empty(std::chrono::milliseconds(2000));
  if (out.json())
    out.line(fmt::format(R"({{"thread":"{}","name":{}}})", result->thread.value(), json_string(args.name)));
  else  // the bare id, so that a script can take it: THREAD=$(iris create-thread 2)
    out.line(std::to_string(result->thread.value()));
  return kExitOk;
}

}  // namespace iris::cli
