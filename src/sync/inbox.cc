#include "sync/inbox.h"

#include <algorithm>

#include "core/thread_fold.h"

namespace iris::sync {

Inbox Inbox::from_history(core::UserId owner, const store::HistoryInbox& history) {
  Inbox inbox(owner);
  inbox.seq_ = history.position.seq;
  for (const auto& ht : history.threads) {
    Thread& t = inbox.threads_[ht.thread];
    t.name = ht.name;
    t.participants = ht.participants;
    for (const auto& m : ht.latest) {
      t.messages[m.message] = wire::ThreadMessage{m.message, m.sender, m.time, m.text, m.reply_to};
    }
    for (const auto& [reader, up_to] : ht.watermarks) t.watermarks[reader] = up_to;
  }
  return inbox;
}

void Inbox::apply(const core::Update& u) {
  seq_ = u.seq;
  core::apply_to_thread(threads_[u.thread], u, [](const core::MessageCreated& b, const core::Update& up) {
    return wire::ThreadMessage{b.message, up.actor, up.time, b.text, b.reply_to};
  });
}

wire::Snapshot Inbox::snapshot(core::Epoch epoch, std::size_t latest) const {
  wire::Snapshot s{epoch, seq_, {}};
  s.threads.reserve(threads_.size());
  for (const auto& [id, t] : threads_) {
    wire::ThreadState ts;
    ts.thread = id;
    ts.name = t.name;
    ts.participants = t.participants;
    const auto read = t.watermarks.find(owner_);
    for (auto it = t.messages.rbegin(); it != t.messages.rend(); ++it) {
      const bool unread = it->second.sender != owner_ &&
                          (read == t.watermarks.end() || it->first > read->second);
      if (unread) ++ts.unread_count;
      if (ts.latest_messages.size() < latest) ts.latest_messages.push_back(it->second);
    }
    std::reverse(ts.latest_messages.begin(), ts.latest_messages.end());
    for (const auto& [reader, up_to] : t.watermarks) ts.read_watermarks.push_back({reader, up_to});
    s.threads.push_back(std::move(ts));
  }
  return s;
}

std::vector<wire::ThreadMessage> Inbox::messages(core::ThreadId thread,
                                                 std::optional<core::MessageId> before,
                                                 std::size_t limit) const {
  std::vector<wire::ThreadMessage> out;
  auto t = threads_.find(thread);
  if (t == threads_.end()) return out;
  auto end = before ? t->second.messages.lower_bound(*before) : t->second.messages.end();
  while (end != t->second.messages.begin() && out.size() < limit) {
    --end;
    out.push_back(end->second);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

bool Inbox::is_participant(core::ThreadId thread, core::UserId user) const {
  auto t = threads_.find(thread);
  return t != threads_.end() &&
         std::find(t->second.participants.begin(), t->second.participants.end(), user) !=
             t->second.participants.end();
}

const std::vector<core::UserId>* Inbox::participants(core::ThreadId thread) const {
  auto t = threads_.find(thread);
  return t == threads_.end() ? nullptr : &t->second.participants;
}

std::optional<core::MessageId> Inbox::newest_message(core::ThreadId thread) const {
  auto t = threads_.find(thread);
  if (t == threads_.end() || t->second.messages.empty()) return std::nullopt;
  return t->second.messages.rbegin()->first;
}

}  // namespace iris::sync
