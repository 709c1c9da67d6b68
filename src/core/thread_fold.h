#pragma once
// apply_to_thread: what one update does to the thread it names, in every view materialized
// from a queue (the sync service's inbox, the memory history store). The SQLite history store
// does the same in SQL (store/sqlite). Header-only: each view keeps its own message type.
//
// `Thread` has `name` (std::string), `participants` (std::vector<UserId>, in join order),
// `messages` (a std::map<MessageId, M> whose M has a `text`) and `watermarks`
// (std::map<UserId, MessageId>); `make_message(const MessageCreated&, const Update&)` makes
// an M.

#include <algorithm>
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
          if (auto it = t.messages.find(b.message); it != t.messages.end()) it->second.text = b.text;
        } else if constexpr (std::is_same_v<T, MessageDeleted>) {
          t.messages.erase(b.message);
        } else {
          static_assert(std::is_same_v<T, ReadReceipt>);
          auto& w = t.watermarks[b.reader];
          w = std::max(w, b.up_to);  // a late, lower receipt never un-reads
        }
      },
      u.body);
}

}  // namespace iris::core
