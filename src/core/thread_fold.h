#pragma once
// apply_to_thread: what one update does to the thread it names, in every view materialized
// from a queue (the sync service's inbox, the memory history store). The SQLite history store
// does the same in SQL (store/sqlite). Header-only: each view keeps its own message type.
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

#include "core/update.h"

namespace iris::core {

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
            it->second.edit_count = std::max<std::uint32_t>(it->second.edit_count + 1, b.edit_count);
          }
        } else if constexpr (std::is_same_v<T, MessageDeleted>) {
          t.messages.erase(b.message);
        } else if constexpr (std::is_same_v<T, ReactionChanged>) {
          auto it = t.messages.find(b.message);
          if (it == t.messages.end()) return;
          auto& rs = it->second.reactions;
          auto r = std::lower_bound(rs.begin(), rs.end(), u.actor,
                                    [](const Reaction& x, UserId user) { return x.user < user; });
          const bool has = r != rs.end() && r->user == u.actor;
          if (b.reaction.empty()) {
            if (has) rs.erase(r);
          } else if (has) {
            r->reaction = b.reaction;
          } else {
            rs.insert(r, Reaction{u.actor, b.reaction});
          }
        } else {
          static_assert(std::is_same_v<T, ReadReceipt>);
          auto& w = t.watermarks[b.reader];
          w = std::max(w, b.up_to);  // a late, lower receipt never un-reads
        }
      },
      u.body);
}

}  // namespace iris::core
