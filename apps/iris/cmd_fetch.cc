// iris fetch BLOB -o PATH: downloads an attachment over HTTP to PATH (through PATH.part, so an
// interrupted download continues where it stopped) and checks it against its id. The device
// need not be up to date: the server decides who may read the blob.
#include <fmt/format.h>

#include "apps/iris/commands.h"
#include "apps/iris/config.h"
#include "apps/iris/exit_code.h"

namespace iris::cli {

int cmd_fetch(const Args& args, Output& out) {
  const std::string dir = config_dir(args.config_dir);
  auto login = load_login(dir);
  if (!login) return report(out, "fetch", login.error());
  auto options = client_options(dir, *login);
  if (!options) return report(out, "fetch", options.error());
  options->connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(args.timeout);
  auto c = client::Client::open(std::move(*options), {});
  if (!c) return report(out, "fetch", c.error());
  const auto id = core::BlobId::from_hex(args.blob);  // checked by the parser
  auto size = (*c)->download_blob(*id, args.output);
  if (!size) return report(out, fmt::format("fetch {}", args.blob), size.error());
  if (out.json()) {
    out.line(fmt::format(R"({{"blob":{},"path":{},"size":"{}"}})", json_string(args.blob), json_string(args.output),
                         *size));
  } else {
    out.line(fmt::format("fetched {} to {} ({} bytes)", args.blob, args.output, *size));
  }
  return kExitOk;
}

}  // namespace iris::cli
