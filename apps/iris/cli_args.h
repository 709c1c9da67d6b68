#pragma once
// The `iris` command line, parsed into a typed Args before anything runs: pure, tested in
// tests/cli_args_test.cc. Grammar:
//
//   iris [--config-dir DIR] [--json] [--timeout SECONDS] COMMAND [ARGS...]
//
// Global options may also follow the command. Each command's own options are listed in
// kUsage (the --help text).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace iris::cli {

enum class Command : std::uint8_t {
  help, login, threads, show, send, create_thread, read, tail, status,
  edit, unsend, delete_for_me, react, fetch,
  // Social routing (cmd_social.cc): contacts (list, add, remove), block, unblock, accept,
  // archive, unarchive, group-add.
  contacts, block, unblock, accept, archive, unarchive, group_add,
  // sms verify NUMBER [CODE] (cmd_sms.cc): number verification over HTTP.
  sms
};

struct Args {
  Command command = Command::help;
  std::string config_dir;  // empty: $XDG_CONFIG_HOME/iris, else ~/.config/iris
  bool json = false;
  std::chrono::seconds timeout{10};

  // login
  std::string server;  // mqtt://HOST:PORT or mqtts://HOST:PORT
  std::string http;    // http://HOST:PORT or https://HOST:PORT (optional)
  std::string user;
  std::string token;
  std::string device;
  std::string ca_file;
  bool insecure = false;  // TLS without certificate checks (tests, self-signed)

  // threads / show / send / read / create-thread
  std::uint64_t thread = 0;
  std::optional<std::uint64_t> before;  // show: messages older than this message id
  std::size_t limit = 20;
  std::string text;                // send, edit (the new text), react (the reaction)
  std::uint64_t message = 0;       // edit, unsend, delete, react
  std::string name;                // create-thread --name
  std::vector<std::uint64_t> users;  // create-thread
  std::optional<std::uint64_t> count;  // tail: exit after N messages
  std::vector<std::string> files;      // send --file (repeatable): attachments
  std::string blob;                    // fetch: the blob id (64 hex digits)
  std::string output;                  // fetch -o: where to write it

  // contacts add|remove USER, block / unblock USER: the user; contacts alone lists.
  std::string contacts_verb;       // "", "add" or "remove"
  std::uint64_t other_user = 0;
  std::string group_add;           // group-add: contacts, anyone or nobody

  // sms verify NUMBER [CODE]: without CODE, ask for a code; with it, confirm.
  std::string sms_number;
  std::string sms_code;
};

inline constexpr const char* kUsage = R"(usage: iris [--config-dir DIR] [--json] [--timeout SECONDS] COMMAND [ARGS]

commands:
  login --server mqtt://HOST:PORT --user ID --token TOKEN --device DEVICE
        [--http http://HOST:PORT] [--ca FILE] [--insecure]
                          store the server and credentials (mqtts:// for TLS)
  threads                 list threads, newest activity first
  show THREAD [--before MESSAGE] [--limit N]
                          messages of a thread, oldest first
  send THREAD [TEXT] [--file PATH]...
                          send a message (kept in the outbox until the server has it);
                          each --file is uploaded first and attached (needs login --http)
  fetch BLOB -o PATH      download an attachment (resumes a partial PATH.part; checked
                          against its id)
  create-thread [--name NAME] USER...
                          start a thread with these users
  read THREAD             mark a thread read up to its latest message
  tail [--count N]        print new messages as they arrive (Ctrl-C to stop)
  status                  seq, epoch, pending outbox, connection
  edit THREAD MESSAGE TEXT
                          replace the text of your message (within the server's edit window)
  unsend THREAD MESSAGE   take your message back for everyone (within the edit window)
  delete THREAD MESSAGE   delete a message from your own view only (delete for me)
  react THREAD MESSAGE [REACTION]
                          set your reaction to a message; without REACTION, take it back
  contacts [add USER | remove USER]
                          list your contacts, blocked users and group-add setting, or change them
  block USER / unblock USER
                          USER may not message you, start a thread with you or add you (or may again)
  accept THREAD           move a thread from your requests folder to the inbox
  archive THREAD / unarchive THREAD
                          move a thread to archived, or back to the inbox
  group-add contacts|anyone|nobody
                          who may add you to groups (default: contacts)
  sms verify NUMBER [CODE]
                          without CODE: have a code texted to NUMBER (E.164); with it: make
                          NUMBER yours, so SMS to it reach you (needs login --http)

options:
  --config-dir DIR   where login and the local store live
                     (default $XDG_CONFIG_HOME/iris, else ~/.config/iris)
  --json             machine-readable output, one JSON document (tail: one per line)
  --timeout SECONDS  how long to wait for the server (default 10)

exit codes:
  0 ok  1 other error  2 usage  3 not logged in  4 server unreachable  5 bad token
  6 not a participant  7 unknown thread  8 refused  9 server unavailable  10 timeout
  11 protocol error  12 local store error  13 local file error (an attachment)
  (edit/unsend past the edit window, of another's message, or of an unknown message: 8)
)";

// Parses argv (without argv[0]). Errors are errc::invalid_argument with the message in
// `error`.
Result<Args> parse_args(const std::vector<std::string>& argv, std::string* error);

}  // namespace iris::cli
