// irisd: parses arguments and runs the Server, or one of the one-shot commands
// (admin_commands.h); nothing else lives here.
#include <cstdio>
#include <stdexcept>

#include "apps/irisd/admin_commands.h"
#include "apps/irisd/config.h"
#include "apps/irisd/private_files.h"
#include "apps/irisd/server.h"
#include "base/log.h"
#include "base/stop_signals.h"

int main(int argc, char** argv) {
  using namespace iris;
  // Server::run_until_signal waits for the stop signals.
  block_stop_signals();

  irisd::Parsed parsed;
  try {
    parsed = irisd::parse_command_line(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "irisd: %s\n", e.what());
    return 2;
  }
  if (parsed.command == irisd::Command::help) {
    std::fputs(irisd::help_text().c_str(), stdout);
    return 0;
  }
  if (parsed.command == irisd::Command::version) {
    std::puts("irisd " IRIS_VERSION);
    return 0;
  }
  log::set_level(parsed.config.log_level);
  irisd::restrict_new_files();
  if (parsed.command == irisd::Command::token) return irisd::issue_token(parsed);
  if (parsed.command == irisd::Command::trim) return irisd::trim_queue(parsed);
  if (parsed.command == irisd::Command::db_promote) return irisd::db_promote(parsed);
  irisd::Server server(parsed.config);
  if (!server.start()) return 1;
  server.run_until_signal();
  return server.cell_expired() ? 3 : 0;
}
