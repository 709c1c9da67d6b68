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
      t.messages[m.message] =
          wire::ThreadMessage{m.message, m.sender, m.time, m.text, m.reply_to, m.edit_count, m.reactions, m.attachments};
    }
    for (const auto& [reader, up_to] : ht.watermarks) t.watermarks[reader] = up_to;
    t.unread = inbox.count_unread(t);
    inbox.account(t, 0);
  }
  return inbox;
}

bool Inbox::is_unread(const Thread& t, core::MessageId id) const {
  auto m = t.messages.find(id);
  if (m == t.messages.end() || m->second.sender == owner_) return false;
  auto w = t.watermarks.find(owner_);
  return w == t.watermarks.end() || id > w->second;
}

std::uint32_t Inbox::count_unread(const Thread& t) const {
  auto w = t.watermarks.find(owner_);
  auto it = w == t.watermarks.end() ? t.messages.begin() : t.messages.upper_bound(w->second);
  std::uint32_t n = 0;
  for (; it != t.messages.end(); ++it) n += it->second.sender != owner_;
  return n;
}

void Inbox::account(const Thread& t, std::uint32_t before) {
  unread_ = unread_ - before + t.unread;
  if (before == 0 && t.unread != 0) ++unread_threads_;
  if (before != 0 && t.unread == 0) --unread_threads_;
}

void Inbox::apply(const core::Update& u) {
  seq_ = u.seq;
  // Social state is the social store's (store/social/social_store.h), read at snapshot time.
  if (core::is_social(core::kind_of(u.body))) return;
  Thread& t = threads_[u.thread];
  const std::uint32_t before = t.unread;
  // Only the message an update names, or the owner's own watermark, can change a count.
  const auto id = std::visit(
      [](const auto& b) -> std::optional<core::MessageId> {
        if constexpr (requires { b.message; }) return b.message;
        return std::nullopt;
      },
      u.body);
  const auto* receipt = std::get_if<core::ReadReceipt>(&u.body);
  const bool own_receipt = receipt && receipt->reader == owner_;
  const bool was_unread = id && is_unread(t, *id);
  std::optional<core::MessageId> old_mark;
  if (own_receipt) {
    if (auto w = t.watermarks.find(owner_); w != t.watermarks.end()) old_mark = w->second;
  }
  core::apply_to_thread(t, u, [](const core::MessageCreated& b, const core::Update& up) {
    return wire::ThreadMessage{b.message, up.actor, up.time, b.text, b.reply_to, b.edit_count, {}, b.attachments};
  });
  if (id) {
    t.unread = t.unread - (was_unread ? 1 : 0) + (is_unread(t, *id) ? 1 : 0);
  } else if (own_receipt) {
    // Messages from others in (old mark, new mark] are read now.
    const core::MessageId mark = t.watermarks.at(owner_);
    auto it = old_mark ? t.messages.upper_bound(*old_mark) : t.messages.begin();
    for (; it != t.messages.end() && it->first <= mark; ++it) t.unread -= it->second.sender != owner_;
  }
  account(t, before);
}

wire::Snapshot Inbox::snapshot(core::Epoch epoch, std::size_t latest) const {
  wire::Snapshot s{epoch, seq_, {}};
  s.threads.reserve(threads_.size());
  for (const auto& [id, t] : threads_) {
    wire::ThreadState ts;
    ts.thread = id;
    ts.name = t.name;
    ts.participants = t.participants;
    ts.unread_count = t.unread;
    for (auto it = t.messages.rbegin(); it != t.messages.rend() && ts.latest_messages.size() < latest; ++it) {
      ts.latest_messages.push_back(it->second);
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

const wire::ThreadMessage* Inbox::message(core::ThreadId thread, core::MessageId id) const {
  auto t = threads_.find(thread);
  if (t == threads_.end()) return nullptr;
  auto m = t->second.messages.find(id);
  return m == t->second.messages.end() ? nullptr : &m->second;
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
