#include "apps/iris/cli_args.h"

#include <charconv>
#include <map>

#include "core/attachment.h"
#include "core/ids.h"

namespace iris::cli {
namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

const std::map<std::string, Command, std::less<>> kCommands{
    {"help", Command::help},       {"login", Command::login},
    {"threads", Command::threads}, {"show", Command::show},
    {"send", Command::send},       {"fetch", Command::fetch},       {"create-thread", Command::create_thread},
    {"read", Command::read},       {"tail", Command::tail},
    {"status", Command::status},   {"edit", Command::edit},
    {"unsend", Command::unsend},   {"delete", Command::delete_for_me},
    {"react", Command::react},     {"contacts", Command::contacts},
    {"block", Command::block},     {"unblock", Command::unblock},
    {"accept", Command::accept},   {"archive", Command::archive},
    {"unarchive", Command::unarchive}, {"group-add", Command::group_add},
    {"sms", Command::sms},
};

}  // namespace

Result<Args> parse_args(const std::vector<std::string>& argv, std::string* error) {
  Args a;
  std::optional<Command> command;
  std::vector<std::string> positional;
  auto bad = [&](std::string why) {
    if (error) *error = std::move(why);
    return fail(std::make_error_code(std::errc::invalid_argument));
  };
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.size() > 1 && arg[0] == '-' && arg != "--") {
      std::string name = arg;
      std::optional<std::string> inline_value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (name == "--json") { a.json = true; continue; }
      if (name == "--insecure") { a.insecure = true; continue; }
      if (name == "--help" || name == "-h") { command = Command::help; continue; }
      // Every other option takes a value.
      std::string value;
      if (inline_value) {
        value = *inline_value;
      } else {
        if (i + 1 >= argv.size()) return bad(name + " needs a value");
        value = argv[++i];
      }
      if (name == "--config-dir") a.config_dir = value;
      else if (name == "--server") a.server = value;
      else if (name == "--http") a.http = value;
      else if (name == "--user") a.user = value;
      else if (name == "--token") a.token = value;
      else if (name == "--device") a.device = value;
      else if (name == "--ca") a.ca_file = value;
      else if (name == "--name") a.name = value;
      else if (name == "--file") {
        if (value.empty()) return bad("--file: a path");
        a.files.push_back(value);
      } else if (name == "--output" || name == "-o") a.output = value;
      else if (name == "--timeout") {
        auto v = number(value);
        if (!v || *v == 0 || *v > 86400) return bad("--timeout: seconds, 1..86400: " + value);
        a.timeout = std::chrono::seconds(*v);
      } else if (name == "--before") {
        auto v = core::parse_id(value);
        if (!v) return bad("--before: a message id: " + value);
        a.before = *v;
      } else if (name == "--limit") {
        auto v = number(value);
        if (!v || *v == 0 || *v > 10'000) return bad("--limit: 1..10000: " + value);
        a.limit = *v;
      } else if (name == "--count") {
        auto v = number(value);
        if (!v || *v == 0) return bad("--count: a positive number: " + value);
        a.count = *v;
      } else {
        return bad("unknown option " + name);
      }
      continue;
    }
    if (!command) {
      auto it = kCommands.find(arg);
      if (it == kCommands.end()) return bad("unknown command '" + arg + "'");
      command = it->second;
      continue;
    }
    positional.push_back(arg);
  }
  if (!command) return bad("no command given");
  a.command = *command;

  auto thread_arg = [&]() -> bool {
    if (positional.empty()) return false;
    auto v = core::parse_id(positional[0]);
    if (!v || *v == 0) return false;
    a.thread = *v;
    return true;
  };
  switch (a.command) {
    case Command::help:
      break;
    case Command::login:
      if (a.server.empty() || a.user.empty() || a.token.empty() || a.device.empty())
        return bad("login needs --server, --user, --token and --device");
      // Canonical: the user name is sent as typed, and the server knows "1", never "01".
      if (auto u = core::parse_id(a.user); !u || *u == 0) return bad("--user: a user id: " + a.user);
      if (!positional.empty()) return bad("login takes no arguments");
      break;
    case Command::threads:
    case Command::status:
    case Command::tail:
      if (!positional.empty()) return bad("unexpected argument '" + positional[0] + "'");
      break;
    case Command::show:
    case Command::read:
      if (!thread_arg()) return bad("expected a thread id");
      if (positional.size() > 1) return bad("unexpected argument '" + positional[1] + "'");
      break;
    case Command::send:
      if (!thread_arg()) return bad("expected a thread id");
      if (positional.size() > 2) return bad("send needs THREAD TEXT (quote the text)");
      if (positional.size() == 2) a.text = positional[1];
      if (a.text.empty() && a.files.empty()) return bad("refusing to send an empty message");
      break;
    case Command::fetch:
      if (positional.size() != 1 || !core::BlobId::from_hex(positional[0]))
        return bad("fetch needs BLOB (64 lowercase hex digits)");
      a.blob = positional[0];
      if (a.output.empty()) return bad("fetch needs -o PATH");
      break;
    case Command::edit:
    case Command::unsend:
    case Command::delete_for_me:
    case Command::react: {
      if (!thread_arg()) return bad("expected a thread id");
      if (positional.size() < 2) return bad("expected THREAD MESSAGE");
      auto m = core::parse_id(positional[1]);
      if (!m || *m == 0) return bad("not a message id: '" + positional[1] + "'");
      a.message = *m;
      const std::size_t want = a.command == Command::edit ? 3 : 2;
      const std::size_t most = a.command == Command::react ? 3 : want;
      if (positional.size() < want) return bad("edit needs THREAD MESSAGE TEXT (quote the text)");
      if (positional.size() > most) return bad("unexpected argument '" + positional[most] + "'");
      if (positional.size() > 2) a.text = positional[2];
      if (a.command == Command::edit && a.text.empty()) return bad("an edit needs a text (unsend instead)");
      break;
    }
    case Command::contacts:
    case Command::block:
    case Command::unblock: {
      std::size_t at = 0;
      if (a.command == Command::contacts) {
        if (positional.empty()) break;  // the list
        a.contacts_verb = positional[0];
        if (a.contacts_verb != "add" && a.contacts_verb != "remove") return bad("contacts: add or remove, not '" + a.contacts_verb + "'");
        at = 1;
      }
      if (positional.size() != at + 1) return bad("expected one user id");
      auto u = core::parse_id(positional[at]);
      if (!u || *u == 0) return bad("not a user id: '" + positional[at] + "'");
      a.other_user = *u;
      break;
    }
    case Command::accept:
    case Command::archive:
    case Command::unarchive:
      if (!thread_arg()) return bad("expected a thread id");
      if (positional.size() > 1) return bad("unexpected argument '" + positional[1] + "'");
      break;
    case Command::group_add:
      if (positional.size() != 1 || (positional[0] != "contacts" && positional[0] != "anyone" && positional[0] != "nobody"))
        return bad("group-add needs one of contacts, anyone, nobody");
      a.group_add = positional[0];
      break;
    case Command::sms:
      if (positional.size() < 2 || positional.size() > 3 || positional[0] != "verify")
        return bad("sms needs: verify NUMBER [CODE]");
      a.sms_number = positional[1];
      if (positional.size() == 3) {
        a.sms_code = positional[2];
        if (a.sms_code.empty()) return bad("sms verify: an empty code");
      }
      break;
    case Command::create_thread:
      if (positional.empty()) return bad("create-thread needs at least one user id");
      for (const auto& p : positional) {
        auto v = core::parse_id(p);
        if (!v || *v == 0) return bad("not a user id: '" + p + "'");
        a.users.push_back(*v);
      }
      break;
  }
  return a;
}

}  // namespace iris::cli
