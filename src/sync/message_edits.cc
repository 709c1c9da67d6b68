#include "sync/message_edits.h"

#include <algorithm>

#include "sync/errc.h"

namespace iris::sync {

Result<store::AppendRequest> plan_message_action(const wire::MessageActionRequest& req,
                                                 core::UserId who, const Inbox& inbox,
                                                 core::Timestamp now, const RequestLimits& limits) {
  const auto* members = inbox.participants(req.thread);
  if (!members) return fail(errc::unknown_thread);
  if (std::find(members->begin(), members->end(), who) == members->end()) {
    return fail(errc::not_participant);
  }
  const wire::ThreadMessage* m = inbox.message(req.thread, req.message);
  if (!m) return fail(errc::unknown_message);

  using A = wire::MessageAction;
  core::UpdateBody body;
  std::vector<core::UserId> to = *members;
  switch (req.action) {
    case A::edit:
    case A::unsend:
      if (m->sender != who) return fail(errc::not_allowed);
      // A message from the future (clock skew between shards) is within the window.
      if (limits.edit_window.count() == 0 || now - m->time > limits.edit_window) {
        return fail(errc::too_late);
      }
      if (req.action == A::unsend) {
        body = core::MessageDeleted{req.message, false};
        break;
      }
      if (req.text.empty()) return fail(errc::invalid_request);
      if (req.text.size() > limits.max_body_bytes) return fail(errc::too_large);
      body = core::MessageEdited{req.message, req.text, m->edit_count + 1};
      break;
    case A::delete_for_me:
      body = core::MessageDeleted{req.message, true};
      to = {who};
      break;
    case A::react:
      if (req.text.size() > limits.max_reaction_bytes) return fail(errc::too_large);
      body = core::ReactionChanged{req.message, req.text};
      break;
    default:
      return fail(errc::invalid_request);
  }
  const core::Update u{core::Seq{0}, now, req.thread, who, std::move(body)};
  store::AppendRequest r;
  r.entries.reserve(to.size());
  for (auto user : to) r.entries.push_back({user, u});
  r.idempotency = core::IdempotencyKey{who, req.client_id};
  return r;
}

std::optional<core::MessageId> message_of(const core::UpdateBody& body) {
  return std::visit(
      [](const auto& b) -> std::optional<core::MessageId> {
        if constexpr (requires { b.message; }) {
          return b.message;
        } else {
          return std::nullopt;
        }
      },
      body);
}

}  // namespace iris::sync
