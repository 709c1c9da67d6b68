// iris contacts / block / unblock / accept / archive / unarchive / group-add: the user's
// social state (docs/PROTOCOL.md "Contacts, blocks and folders"). A change is one
// SocialRequest through the SDK's outbox; the command waits for the server's answer and then
// for the update to come back into the local store, so that `iris contacts` or `iris threads`
// right after shows it. `iris contacts` alone lists from the local store once it is live.
#include <fmt/format.h>

#include <future>
#include <thread>

#include "apps/iris/commands.h"
#include "apps/iris/exit_code.h"
#include "apps/iris/session.h"
#include "client/errc.h"

namespace iris::cli {
namespace {

std::string id_list(const std::vector<core::UserId>& ids, bool json) {
  std::string out;
  for (auto id : ids) {
    if (!out.empty()) out += json ? "," : ", ";
    out += json ? json_string(std::to_string(id.value())) : std::to_string(id.value());
  }
  return out;
}

int list(const Args& args, Output& out) {
  auto c = open_live(args, out);
  if (!c) return report(out, "contacts", c.error());
  auto s = (*c)->with_store([](const client::LocalStore& st) { return st.social(); });
  if (!s) return report(out, "contacts", s.error());
  if (out.json()) {
    out.line(fmt::format(R"({{"contacts":[{}],"blocked":[{}],"group_add":{}}})", id_list(s->contacts, true),
                         id_list(s->blocked, true), json_string(std::string(core::group_add_name(s->group_add)))));
    return kExitOk;
  }
  out.line("contacts: " + (s->contacts.empty() ? std::string("(none)") : id_list(s->contacts, false)));
  out.line("blocked:  " + (s->blocked.empty() ? std::string("(none)") : id_list(s->blocked, false)));
  out.line(fmt::format("group-add: {}", core::group_add_name(s->group_add)));
  return kExitOk;
}

}  // namespace

int cmd_social(const Args& args, Output& out) {
  if (args.command == Command::contacts && args.contacts_verb.empty()) return list(args, out);
  using A = wire::SocialAction;
  A action = A::add_contact;
  const char* verb = "contacts add";
  switch (args.command) {
    case Command::contacts:
      if (args.contacts_verb == "remove") action = A::remove_contact, verb = "contacts remove";
      break;
    case Command::block: action = A::block; verb = "block"; break;
    case Command::unblock: action = A::unblock; verb = "unblock"; break;
    case Command::accept: action = A::accept; verb = "accept"; break;
    case Command::archive: action = A::archive; verb = "archive"; break;
    case Command::unarchive: action = A::unarchive; verb = "unarchive"; break;
    default: action = A::set_group_add; verb = "group-add"; break;
  }
  core::GroupAdd group_add = core::GroupAdd::contacts;
  if (args.group_add == "anyone") group_add = core::GroupAdd::anyone;
  if (args.group_add == "nobody") group_add = core::GroupAdd::nobody;

  // The outcome of our request: its SendResult or its refusal. Set on the client's thread.
  auto outcome = std::make_shared<std::promise<Result<wire::SendResult>>>();
  auto mine = std::make_shared<std::optional<core::ClientMsgId>>();
  auto once = std::make_shared<std::once_flag>();
  auto ready = std::make_shared<std::mutex>();
  client::ClientCallbacks cb;
  cb.on_result = [=](const wire::SendResult& r) {
    std::lock_guard lock(*ready);
    if (*mine == r.client_id) std::call_once(*once, [&] { outcome->set_value(r); });
  };
  cb.on_error = [=](std::error_code ec, std::optional<core::ClientMsgId> id) {
    std::lock_guard lock(*ready);
    if (id && *mine == id) std::call_once(*once, [&] { outcome->set_value(fail(ec)); });
  };
  auto c = open_live(args, out, std::move(cb));
  if (!c) return report(out, verb, c.error());
  {
    // Held while the id is stored, so an answer cannot come before we know it is ours.
    std::lock_guard lock(*ready);
    auto id = (*c)->social(action, core::UserId{args.other_user}, core::ThreadId{args.thread}, group_add);
    if (!id) return report(out, verb, id.error());
    *mine = *id;
  }
  auto fut = outcome->get_future();
  const auto deadline = std::chrono::steady_clock::now() + args.timeout;
  if (fut.wait_until(deadline) != std::future_status::ready) {
    out.error(fmt::format("{}: no answer from the server in time; the request stays in the outbox and goes "
                          "out with the next iris command", verb));
    return exit_code(client::errc::timeout);
  }
  auto result = fut.get();
  if (!result) return report(out, verb, result.error());
  while (std::chrono::steady_clock::now() < deadline && (*c)->status().position.seq < result->seq) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (out.json()) {
    out.line(fmt::format(R"({{"action":"{}","seq":"{}"}})", verb, result->seq.value()));
  } else {
    out.line(fmt::format("{}: done", verb));
  }
  return kExitOk;
}

}  // namespace iris::cli
