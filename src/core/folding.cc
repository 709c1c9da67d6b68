#include "core/folding.h"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace iris::core {
namespace {

struct LastEdit {
  const std::string* text;
  std::uint32_t edit_count;  // the message's total as the last edit says (0: not counted)
  std::uint32_t in_range;    // edits of it in this range
};

}  // namespace

FoldResult fold_range(std::span<const Update> range) {
  // Pass 1, backwards: decide what survives. Walking from the end, the first receipt per
  // (thread, reader), rename per thread and reaction per (message, user) seen are the last
  // ones of the range.
  std::unordered_set<MessageId> deleted;             // deleted somewhere in the range
  std::unordered_map<MessageId, LastEdit> last_edit;
  std::map<std::pair<ThreadId, UserId>, bool> receipt_seen;
  std::map<std::pair<MessageId, UserId>, bool> reaction_seen;
  std::unordered_map<ThreadId, const std::string*> final_name;  // last rename per thread
  std::unordered_set<MessageId> created;             // created in the range
  std::unordered_map<ThreadId, std::size_t> last_created;  // index of its last ThreadCreated
  // Social state travels as absolute values: the last change per contact, per thread's
  // folder and of the settings is all a device needs.
  std::unordered_set<UserId> contact_seen;
  std::unordered_set<ThreadId> folder_seen;
  bool settings_seen = false;
  for (std::size_t i = 0; i < range.size(); ++i) {
    if (auto* m = std::get_if<MessageCreated>(&range[i].body)) created.insert(m->message);
    if (std::holds_alternative<ThreadCreated>(range[i].body)) last_created[range[i].thread] = i;
  }
  std::unordered_map<std::size_t, const std::string*> fold_name;  // ThreadCreated index -> name
  std::map<ThreadId, std::uint32_t> vanished;

  std::vector<bool> keep(range.size(), true);
  for (std::size_t i = range.size(); i-- > 0;) {
    const Update& u = range[i];
    std::visit(
        [&](const auto& b) {
          using T = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<T, MessageDeleted>) {
            // A repeated delete (a retry under another client id) is one deletion.
            const bool first = deleted.insert(b.message).second;
            // Nothing of a message born in this range reaches the device, not even its end.
            if (created.count(b.message)) {
              keep[i] = false;
            } else if (!first) {
              keep[i] = false;
            }
          } else if constexpr (std::is_same_v<T, MessageEdited>) {
            auto [it, last] = last_edit.try_emplace(b.message, LastEdit{&b.text, b.edit_count, 0});
            ++it->second.in_range;
            if (deleted.count(b.message) || !last || created.count(b.message)) keep[i] = false;
          } else if constexpr (std::is_same_v<T, MessageCreated>) {
            if (deleted.count(b.message)) {
              keep[i] = false;
              ++vanished[u.thread];
            }
          } else if constexpr (std::is_same_v<T, ReactionChanged>) {
            const bool last = reaction_seen.try_emplace({b.message, u.actor}, true).second;
            const bool unseen_removal = b.reaction.empty() && created.count(b.message);
            if (!last || deleted.count(b.message) || unseen_removal) keep[i] = false;
          } else if constexpr (std::is_same_v<T, ReadReceipt>) {
            if (!receipt_seen.try_emplace({u.thread, b.reader}, true).second) keep[i] = false;
          } else if constexpr (std::is_same_v<T, ThreadRenamed>) {
            if (!final_name.try_emplace(u.thread, &b.name).second) {
              keep[i] = false;  // a later rename wins
            } else if (auto c = last_created.find(u.thread); c != last_created.end() && c->second < i) {
              keep[i] = false;  // the final name travels in the ThreadCreated
              fold_name[c->second] = &b.name;
            }
          } else if constexpr (std::is_same_v<T, ThreadCreated>) {
            final_name.try_emplace(u.thread, &b.name);  // renames before it are not final
          } else if constexpr (std::is_same_v<T, ContactChanged>) {
            if (!contact_seen.insert(b.user).second) keep[i] = false;
          } else if constexpr (std::is_same_v<T, FolderChanged>) {
            if (!folder_seen.insert(u.thread).second) keep[i] = false;
          } else if constexpr (std::is_same_v<T, SettingsChanged>) {
            if (settings_seen) keep[i] = false;
            settings_seen = true;
          }
        },
        u.body);
  }

  // Pass 2, forwards: copy the survivors, folding final texts, edit counts and names in.
  FoldResult out;
  out.updates.reserve(range.size());
  for (std::size_t i = 0; i < range.size(); ++i) {
    if (!keep[i]) continue;
    out.updates.push_back(range[i]);
    Update& u = out.updates.back();
    if (auto* m = std::get_if<MessageCreated>(&u.body)) {
      if (auto it = last_edit.find(m->message); it != last_edit.end()) {
        // Every edit of a message born in the range is in the range.
        m->text = *it->second.text;
        m->edit_count = std::max(it->second.edit_count, it->second.in_range);
      }
    } else if (auto* t = std::get_if<ThreadCreated>(&u.body)) {
      if (auto it = fold_name.find(i); it != fold_name.end()) t->name = *it->second;
    }
  }
  out.vanished.reserve(vanished.size());
  for (const auto& [thread, n] : vanished) out.vanished.push_back({thread, n});
  return out;
}

std::vector<Update> fold(std::span<const Update> range) { return fold_range(range).updates; }

}  // namespace iris::core
