// iris login: store the server and credentials, then prove them with one sync.
#include <filesystem>

#include <fmt/format.h>

#include "apps/iris/commands.h"
#include "apps/iris/config.h"
#include "apps/iris/exit_code.h"
#include "apps/iris/session.h"
#include "client/errc.h"

namespace iris::cli {

int report(Output& out, std::string_view what, std::error_code ec) {
  out.error(what, ec);
  return exit_code(ec);
}

int cmd_login(const Args& args, Output& out) {
  if (!parse_endpoint(args.server)) {
    out.error("login: --server must be mqtt://HOST:PORT or mqtts://HOST:PORT");
    return kExitUsage;
  }
  if (!args.http.empty() && !parse_endpoint(args.http)) {
    out.error("login: --http must be http://HOST:PORT or https://HOST:PORT");
    return kExitUsage;
  }
  const std::string dir = config_dir(args.config_dir);
  Login login{args.server, args.http, args.user, args.token, args.device, args.ca_file, args.insecure};
  if (auto r = save_login(dir, login); !r) return report(out, "login: cannot write " + dir, r.error());
  auto c = open_live(args, out);
  if (!c) {
    if (c.error() == client::errc::bad_token) std::filesystem::remove(dir + "/login");
    return report(out, "login", c.error());
  }
  auto threads = (*c)->with_store([](const client::LocalStore& s) { return s.threads(); });
  const std::size_t n = threads ? threads->size() : 0;
  if (out.json())
    out.line(fmt::format(R"({{"user":{},"device":{},"server":{},"threads":{}}})",
                         json_string(args.user), json_string(args.device),
                         json_string(args.server), n));
  else
    out.line(fmt::format("logged in as user {} on device {} at {} ({} threads)", args.user,
                         args.device, args.server, n));
  return kExitOk;
}

}  // namespace iris::cli
