// iris status: where this device stands. Tries to connect (for --timeout) to report the
// connection, but exits 0 whatever the server does: it is a report, not a check.
#include <fmt/format.h>

#include "apps/iris/commands.h"
#include "apps/iris/config.h"
#include "apps/iris/exit_code.h"
#include "client/errc.h"

namespace iris::cli {

int cmd_status(const Args& args, Output& out) {
  const std::string dir = config_dir(args.config_dir);
  auto login = load_login(dir);
  if (!login) return report(out, "status", login.error());
  auto options = client_options(dir, *login);
  if (!options) return report(out, "status", options.error());
  options->connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(args.timeout);
  auto c = client::Client::open(std::move(*options), {});
  if (!c) return report(out, "status", c.error());
  (*c)->start();
  auto live = (*c)->wait_live(args.timeout);
  auto s = (*c)->status();
  (*c)->stop();
  const std::string connection =
      live ? "live" : fmt::format("offline ({})", live.error().message());
  const std::string head = s.head ? std::to_string(s.head->value()) : "";
  if (out.json()) {
    out.line(fmt::format(
        R"({{"user":{},"device":{},"server":{},"epoch":"{}","seq":"{}","head":{},"outbox":{},"connection":{},"connected":{}}})",
        json_string(login->user), json_string(login->device), json_string(login->server),
        s.position.epoch.value(), s.position.seq.value(), s.head ? json_string(head) : "null",
        s.outbox, json_string(connection), live ? "true" : "false"));
    return kExitOk;
  }
  out.line(fmt::format("user        {} (device {})", login->user, login->device));
  out.line(fmt::format("server      {}{}", login->server, login->http.empty() ? "" : " + " + login->http));
  out.line(fmt::format("epoch       {}", s.position.epoch.value()));
  out.line(fmt::format("seq         {}{}", s.position.seq.value(), s.head ? " (server head " + head + ")" : ""));
  out.line(fmt::format("outbox      {} pending", s.outbox));
  out.line(fmt::format("connection  {}", connection));
  return kExitOk;
}

}  // namespace iris::cli
