// iris send THREAD [TEXT] [--file PATH]...: each file is uploaded first (streamed over HTTP;
// its reference is what the message carries), then the message goes into the outbox (it
// survives this process), then out; the command waits for the server's answer and the echo.
#include <fmt/format.h>

#include <future>

#include "apps/iris/commands.h"
#include "apps/iris/config.h"
#include "apps/iris/exit_code.h"
#include "client/errc.h"

namespace iris::cli {

int cmd_send(const Args& args, Output& out) {
  const std::string dir = config_dir(args.config_dir);
  auto login = load_login(dir);
  if (!login) return report(out, "send", login.error());
  auto options = client_options(dir, *login);
  if (!options) return report(out, "send", options.error());
  options->connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(args.timeout);

  // The outcome of our send: its SendResult or its refusal. Set on the client's thread.
  auto outcome = std::make_shared<std::promise<Result<wire::SendResult>>>();
  auto mine = std::make_shared<std::optional<core::ClientMsgId>>();
  auto once = std::make_shared<std::once_flag>();
  client::ClientCallbacks cb;
  cb.on_result = [=](const wire::SendResult& r) {
    if (*mine == r.client_id) std::call_once(*once, [&] { outcome->set_value(r); });
  };
  cb.on_error = [=](std::error_code ec, std::optional<core::ClientMsgId> id) {
    if (!id || *mine == id) std::call_once(*once, [&] { outcome->set_value(fail(ec)); });
  };
  cb.on_progress = [&out](const client::Progress& p) { out.progress(p); };
  auto c = client::Client::open(std::move(*options), std::move(cb));
  if (!c) return report(out, "send", c.error());
  std::vector<core::Attachment> attachments;
  for (const auto& path : args.files) {
    auto up = (*c)->upload_file(path);
    if (!up) return report(out, fmt::format("send: upload of {}", path), up.error());
    attachments.push_back(std::move(up->attachment));
  }
  // Not started yet: send() runs here and stores the entry before anything can answer it.
  auto id = (*c)->send(core::ThreadId{args.thread}, args.text, std::move(attachments));
  if (!id) return report(out, "send", id.error());
  *mine = *id;
  (*c)->start();
  auto fut = outcome->get_future();
  const auto deadline = std::chrono::steady_clock::now() + args.timeout;
  if (auto live = (*c)->wait_live(args.timeout); !live && live.error() != client::errc::timeout) {
    out.end_progress();
    out.error(fmt::format("send: {}; the message stays in the outbox and goes out with the next "
                          "iris command",
                          live.error().message()));
    return exit_code(live.error());
  }
  if (fut.wait_until(deadline) != std::future_status::ready) {
    out.end_progress();
    out.error("send: no answer from the server in time; the message stays in the outbox");
    return exit_code(client::errc::timeout);
  }
  auto result = fut.get();
  if (!result) return report(out, fmt::format("send to thread {}", args.thread), result.error());
  // The echo replaces the pending entry; wait for it so that `show` right after is exact.
  (void)(*c)->wait_outbox_empty(std::chrono::milliseconds(2000));
  out.end_progress();
  const auto msg = result->message ? result->message->value() : 0;
  if (out.json())
    out.line(fmt::format(R"({{"thread":"{}","message":"{}","client_id":"{}","seq":"{}"}})", args.thread,
                         msg, id->to_hex(), result->seq.value()));
  else
    out.line(fmt::format("sent to thread {} as message {}", args.thread, msg));
  return kExitOk;
}

}  // namespace iris::cli
