// iris: the command-line client. Parses arguments and runs one subcommand; nothing else.
#include <cstdio>

#include "apps/iris/cli_args.h"
#include "apps/iris/commands.h"
#include "apps/iris/exit_code.h"
#include "base/log.h"

int main(int argc, char** argv) {
  using namespace iris::cli;
  iris::log::set_level(iris::log::Level::error);
  std::string error;
  auto args = parse_args(std::vector<std::string>(argv + 1, argv + argc), &error);
  if (!args) {
    std::fprintf(stderr, "iris: %s\n\n%s", error.c_str(), kUsage);
    return kExitUsage;
  }
  Output out(args->json);
  switch (args->command) {
    case Command::help: std::fputs(kUsage, stdout); return kExitOk;
    case Command::login: return cmd_login(*args, out);
    case Command::threads: return cmd_threads(*args, out);
    case Command::show: return cmd_show(*args, out);
    case Command::send: return cmd_send(*args, out);
    case Command::create_thread: return cmd_create_thread(*args, out);
    case Command::read: return cmd_read(*args, out);
    case Command::tail: return cmd_tail(*args, out);
    case Command::status: return cmd_status(*args, out);
    case Command::edit:
    case Command::unsend:
    case Command::delete_for_me:
    case Command::react: return cmd_message_action(*args, out);
    case Command::fetch: return cmd_fetch(*args, out);
    case Command::contacts:
    case Command::block:
    case Command::unblock:
    case Command::accept:
    case Command::archive:
    case Command::unarchive:
    case Command::group_add: return cmd_social(*args, out);
    case Command::sms: return cmd_sms(*args, out);
  }
  return kExitOther;
}
