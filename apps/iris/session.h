#pragma once
// Opening the logged-in device for one command: the Client over the stored login, started
// and brought up to date (with a progress bar), or the error that prevented it.

#include <memory>

#include "apps/iris/cli_args.h"
#include "apps/iris/output.h"
#include "client/client.h"

namespace iris::cli {

// `callbacks.on_progress` is set to draw the bar. Returns errc (not_configured,
// unreachable, bad_token, timeout ...) after printing nothing: the caller reports it.
Result<std::unique_ptr<client::Client>> open_live(const Args& args, Output& out,
                                                  client::ClientCallbacks callbacks = {},
                                                  bool typing = false);

}  // namespace iris::cli
