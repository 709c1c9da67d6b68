#include "core/folding.h"

#include <map>
#include <unordered_map>
#include <unordered_set>

namespace iris::core {

std::vector<Update> fold(std::span<const Update> range) {
  // Pass 1, backwards: decide what survives. Walking from the end, the first receipt per
  // (thread, reader) and the first rename per thread seen are the last ones of the range.
  std::unordered_set<MessageId> deleted;             // deleted somewhere in the range
  std::unordered_map<MessageId, const std::string*> final_text;  // text of the last edit
  std::map<std::pair<ThreadId, UserId>, bool> receipt_seen;
  std::unordered_map<ThreadId, const std::string*> final_name;  // last rename per thread
  std::unordered_set<MessageId> created;             // created in the range
  std::unordered_map<ThreadId, std::size_t> last_created;  // index of its last ThreadCreated
  for (std::size_t i = 0; i < range.size(); ++i) {
    if (auto* m = std::get_if<MessageCreated>(&range[i].body)) created.insert(m->message);
    if (std::holds_alternative<ThreadCreated>(range[i].body)) last_created[range[i].thread] = i;
  }
  std::unordered_map<std::size_t, const std::string*> fold_name;  // ThreadCreated index -> name

  std::vector<bool> keep(range.size(), true);
  for (std::size_t i = range.size(); i-- > 0;) {
    const Update& u = range[i];
    std::visit(
        [&](const auto& b) {
          using T = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<T, MessageDeleted>) {
            deleted.insert(b.message);
            // Nothing of a message born in this range reaches the device, not even its end.
            if (created.count(b.message)) keep[i] = false;
          } else if constexpr (std::is_same_v<T, MessageEdited>) {
            if (deleted.count(b.message) || final_text.count(b.message) || created.count(b.message)) {
              keep[i] = false;
            }
            final_text.try_emplace(b.message, &b.text);
          } else if constexpr (std::is_same_v<T, MessageCreated>) {
            if (deleted.count(b.message)) keep[i] = false;
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
          }
        },
        u.body);
  }

  // Pass 2, forwards: copy the survivors, folding final texts and names in.
  std::vector<Update> out;
  out.reserve(range.size());
  for (std::size_t i = 0; i < range.size(); ++i) {
    if (!keep[i]) continue;
    out.push_back(range[i]);
    Update& u = out.back();
    if (auto* m = std::get_if<MessageCreated>(&u.body)) {
      if (auto it = final_text.find(m->message); it != final_text.end()) m->text = *it->second;
    } else if (auto* t = std::get_if<ThreadCreated>(&u.body)) {
      if (auto it = fold_name.find(i); it != fold_name.end()) t->name = *it->second;
    }
  }
  return out;
}

}  // namespace iris::core
