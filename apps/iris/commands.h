#pragma once
// One function per subcommand (cmd_<name>.cc); each returns the process exit code and
// reports its own errors through Output.

#include "apps/iris/cli_args.h"
#include "apps/iris/output.h"

namespace iris::cli {

int cmd_login(const Args& args, Output& out);
int cmd_threads(const Args& args, Output& out);
int cmd_show(const Args& args, Output& out);
int cmd_send(const Args& args, Output& out);
int cmd_create_thread(const Args& args, Output& out);
int cmd_read(const Args& args, Output& out);
int cmd_tail(const Args& args, Output& out);
int cmd_status(const Args& args, Output& out);
// edit, unsend, delete (for me) and react: cmd_message_action.cc.
int cmd_message_action(const Args& args, Output& out);
int cmd_fetch(const Args& args, Output& out);
// contacts, block, unblock, accept, archive, unarchive, group-add: cmd_social.cc.
int cmd_social(const Args& args, Output& out);
int cmd_sms(const Args& args, Output& out);

// The error line and exit code for a failed step.
int report(Output& out, std::string_view what, std::error_code ec);

}  // namespace iris::cli
