#pragma once
// apply_to_thread: what one update does to the thread it names, in every view materialized
// from a queue (the sync service's inbox, the memory history store). The SQL history stores
// (store/detail/history_rules.h) keep their messages in tables and call the per-message rules
// below (count_after_edit, apply_reaction, strip_unsent) on the row they read, so a message
// folds the same way in a snapshot from the queue and in one from history. Header-only: each
// view keeps its own message type.
//
// `Thread` has `name` (std::string), `participants` (std::vector<UserId>, in join order),
// `messages` (a std::map<MessageId, M> whose M has a `text`, an `edit_count` and
// `reactions`, a std::vector<Reaction> ordered by user) and `watermarks`
// (std::map<UserId, MessageId>); `make_message(const MessageCreated&, const Update&)` makes
// an M (with the MessageCreated's edit_count).
//
// Per-item metadata (docs/PROTOCOL.md "Edits, unsends and reactions"): an edit replaces the
// text and counts (edit_count is the message's total: the edit's own count when it carries
// one, else one more); a reaction replaces the actor's one (empty: removes it); an unsend or
// a delete for me removes the message.

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/update.h"

namespace iris::core {

// A message's edit count once `e` is applied to it: the edit's own count when it carries one
// (a device may have missed edits the count still reports), else one more.
inline std::uint32_t count_after_edit(std::uint32_t count, const MessageEdited& e) {
  return std::max<std::uint32_t>(count + 1, e.edit_count);
}

// `reactions` (ordered by user, one per user) after `actor`'s ReactionChanged: replaced,
// added in order, or removed when the new one is empty.
inline void apply_reaction(std::vector<Reaction>& reactions, UserId actor, const ReactionChanged& c) {
  auto r = std::lower_bound(reactions.begin(), reactions.end(), actor,
                            [](const Reaction& x, UserId user) { return x.user < user; });
  const bool has = r != reactions.end() && r->user == actor;
  if (c.reaction.empty()) {
    if (has) reactions.erase(r);
  } else if (has) {
    r->reaction = c.reaction;
  } else {
    reactions.insert(r, Reaction{actor, c.reaction});
  }
}

// What a store keeps of an update of a message that was unsent afterwards: the create and
// its edits without their content (text, attachments), so the history tier holds no unsent
// text and no reference to a blob the unsend released. Other updates are unchanged.
inline void strip_unsent(UpdateBody& body) {
  if (auto* c = std::get_if<MessageCreated>(&body)) {
    c->text.clear();
    c->attachments.clear();
  } else if (auto* e = std::get_if<MessageEdited>(&body)) {
    e->text.clear();
  }
}

template <class Thread, class MakeMessage>
void apply_to_thread(Thread& t, const Update& u, MakeMessage&& make_message) {
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, ThreadCreated>) {
          t.name = b.name;
          t.participants = b.participants;
        } else if constexpr (std::is_same_v<T, ThreadRenamed>) {
          t.name = b.name;
        } else if constexpr (std::is_same_v<T, ParticipantsChanged>) {
          for (auto p : b.added) {
            if (std::find(t.participants.begin(), t.participants.end(), p) == t.participants.end()) {
              t.participants.push_back(p);
            }
          }
          for (auto p : b.removed) std::erase(t.participants, p);
        } else if constexpr (std::is_same_v<T, MessageCreated>) {
          t.messages.insert_or_assign(b.message, make_message(b, u));
        } else if constexpr (std::is_same_v<T, MessageEdited>) {
          if (auto it = t.messages.find(b.message); it != t.messages.end()) {
            it->second.text = b.text;
            it->second.edit_count = count_after_edit(it->second.edit_count, b);
          }
        } else if constexpr (std::is_same_v<T, MessageDeleted>) {
          t.messages.erase(b.message);
        } else if constexpr (std::is_same_v<T, ReactionChanged>) {
          auto it = t.messages.find(b.message);
          if (it == t.messages.end()) return;
          apply_reaction(it->second.reactions, u.actor, b);
        } else if constexpr (std::is_same_v<T, ContactChanged> || std::is_same_v<T, FolderChanged> ||
                             std::is_same_v<T, SettingsChanged>) {
          // The user's social state, not the thread's content (core/social_policy.h).
        } else {
          static_assert(std::is_same_v<T, ReadReceipt>);
          auto& w = t.watermarks[b.reader];
          w = std::max(w, b.up_to);  // a late, lower receipt never un-reads
        }
      },
      u.body);
}

}  // namespace iris::core
