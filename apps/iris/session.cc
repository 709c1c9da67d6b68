#include "apps/iris/session.h"

#include "apps/iris/config.h"

namespace iris::cli {

Result<std::unique_ptr<client::Client>> open_live(const Args& args, Output& out,
                                                  client::ClientCallbacks callbacks, bool typing) {
  const std::string dir = config_dir(args.config_dir);
  auto login = load_login(dir);
  if (!login) return fail(login.error());
  auto options = client_options(dir, *login);
  if (!options) return fail(options.error());
  options->connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(args.timeout);
  options->typing = typing;
  // Progress runs on the client's thread; the main thread only waits meanwhile.
  callbacks.on_progress = [&out](const client::Progress& p) { out.progress(p); };
  auto c = client::Client::open(std::move(*options), std::move(callbacks));
  if (!c) return fail(c.error());
  (*c)->start();
  auto live = (*c)->wait_live(args.timeout);
  out.end_progress();
  if (!live) return fail(live.error());
  return std::move(*c);
}

}  // namespace iris::cli
