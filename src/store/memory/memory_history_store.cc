#include "store/memory/memory_history_store.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "core/thread_fold.h"
#include "store/errc.h"

namespace iris::store {
namespace {

using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::UserId;

// The model keeps a message's content once per thread as the durable stores do
// (store/detail/history_rules.h), because an unsend strips that shared content for every
// participant at once: a create whose content equals its thread's body reads the body, one
// that differs keeps its own copy, and only the unsending user's own copies are stripped.
struct Body {
  UserId sender;
  core::Timestamp time;
  core::ClientMsgId client;
  std::string text;
  std::optional<MessageId> reply_to;
  std::vector<core::Attachment> attachments;
  bool operator==(const Body&) const = default;
};

Body body_of(const core::Update& u, const core::MessageCreated& c) {
  return Body{u.actor, u.time, c.client_id, c.text, c.reply_to, c.attachments};
}

// A shown message and whether its content is the thread's body.
struct Shown : HistoryMessage {
  bool shared = false;
};

struct Logged {
  core::Update update;
  bool shared = false;  // a create that reads its content from the thread's body
};

class MemoryHistoryStore final : public HistoryStore {
 public:
  Result<void> apply(std::span<const HistoryBatch> batches) override {
    if (unavailable_) return fail(errc::unavailable);
    std::lock_guard lock(mu_);
    for (const auto& b : batches) {
      User& u = users_[b.user];
      if (u.position.epoch != b.epoch) u = User{HistoryPosition{b.epoch, Seq{0}}, {}, {}};
      for (const auto& upd : b.updates) {
        if (upd.seq <= u.position.seq) continue;
        bool shared = false;
        if (const auto* c = std::get_if<core::MessageCreated>(&upd.body)) {
          auto [it, inserted] = bodies_.try_emplace({upd.thread, c->message}, body_of(upd, *c));
          shared = inserted || it->second == body_of(upd, *c);
        }
        if (!core::is_social(core::kind_of(upd.body))) {  // in the log only (history_rules.cc)
          core::apply_to_thread(u.threads[upd.thread], upd, [&](const core::MessageCreated& c, const core::Update& up) {
            Shown m;
            static_cast<HistoryMessage&>(m) =
                HistoryMessage{c.message, up.actor, up.time, c.text, c.reply_to, c.edit_count, {}, c.attachments};
            m.shared = shared;
            return m;
          });
        }
        u.log.emplace(upd.seq, Logged{upd, shared});
        if (const auto* d = std::get_if<core::MessageDeleted>(&upd.body); d && !d->for_me) {
          strip_unsent(u, upd.thread, d->message);
        }
        u.position.seq = upd.seq;
      }
    }
    return {};
  }

  Result<HistoryPosition> position(UserId user) const override {
    if (unavailable_) return fail(errc::unavailable);
    std::lock_guard lock(mu_);
    auto it = users_.find(user);
    return it == users_.end() ? HistoryPosition{} : it->second.position;
  }

  Result<HistoryInbox> inbox(UserId user, std::size_t latest) const override {
    if (unavailable_) return fail(errc::unavailable);
    std::lock_guard lock(mu_);
    HistoryInbox out;
    auto it = users_.find(user);
    if (it == users_.end()) return out;
    out.position = it->second.position;
    for (const auto& [id, t] : it->second.threads) {
      HistoryThread ht{id, t.name, t.participants, {}, 0, {}};
      const auto read = t.watermarks.find(user);
      for (auto m = t.messages.rbegin(); m != t.messages.rend(); ++m) {
        if (m->second.sender != user && (read == t.watermarks.end() || m->first > read->second)) {
          ++ht.unread_count;
        }
        if (ht.latest.size() < latest) ht.latest.push_back(view(id, m->second));
      }
      std::reverse(ht.latest.begin(), ht.latest.end());
      for (const auto& [reader, up_to] : t.watermarks) ht.watermarks.emplace_back(reader, up_to);
      out.threads.push_back(std::move(ht));
    }
    return out;
  }

  Result<std::vector<HistoryMessage>> messages(UserId user, ThreadId thread,
                                               std::optional<MessageId> before,
                                               std::size_t limit) const override {
    if (unavailable_) return fail(errc::unavailable);
    std::lock_guard lock(mu_);
    std::vector<HistoryMessage> out;
    auto u = users_.find(user);
    if (u == users_.end()) return out;
    auto t = u->second.threads.find(thread);
    if (t == u->second.threads.end()) return out;
    const auto& ms = t->second.messages;
    auto end = before ? ms.lower_bound(*before) : ms.end();
    while (end != ms.begin() && out.size() < limit) out.push_back(view(thread, (--end)->second));
    std::reverse(out.begin(), out.end());
    return out;
  }

  Result<std::vector<core::Update>> updates(UserId user, Seq from,
                                            std::size_t max_count) const override {
    if (unavailable_) return fail(errc::unavailable);
    std::lock_guard lock(mu_);
    std::vector<core::Update> out;
    auto u = users_.find(user);
    if (u == users_.end()) return out;
    for (auto it = u->second.log.lower_bound(from);
         it != u->second.log.end() && out.size() < max_count; ++it) {
      out.push_back(it->second.update);
      if (!it->second.shared) continue;
      auto& c = std::get<core::MessageCreated>(out.back().body);
      const Body& b = bodies_.at({out.back().thread, c.message});
      c.text = b.text;
      c.attachments = b.attachments;
    }
    return out;
  }

  void set_unavailable(bool unavailable) override { unavailable_ = unavailable; }

 private:
  struct Thread {
    std::string name;
    std::vector<UserId> participants;
    std::map<MessageId, Shown> messages;
    std::map<UserId, MessageId> watermarks;
  };
  struct User {
    HistoryPosition position;
    std::map<ThreadId, Thread> threads;
    std::map<Seq, Logged> log;
  };

  // A shown message as read: a shared one's content is its thread's body (the latest edit's
  // text, if any, over the body's).
  HistoryMessage view(ThreadId thread, const Shown& m) const {
    HistoryMessage out = m;
    if (!m.shared) return out;
    const Body& b = bodies_.at({thread, m.message});
    if (m.edit_count == 0) out.text = b.text;
    out.attachments = b.attachments;
    return out;
  }

  void strip_unsent(User& user, ThreadId thread, MessageId message) {
    if (auto b = bodies_.find({thread, message}); b != bodies_.end()) {
      b->second.text.clear();
      b->second.attachments.clear();
    }
    for (auto& [seq, l] : user.log) {
      if (l.shared || l.update.thread != thread) continue;
      const auto* c = std::get_if<core::MessageCreated>(&l.update.body);
      const auto* e = std::get_if<core::MessageEdited>(&l.update.body);
      if ((c && c->message == message) || (e && e->message == message)) core::strip_unsent(l.update.body);
    }
  }

  std::atomic<bool> unavailable_{false};
  mutable std::mutex mu_;
  std::map<UserId, User> users_;                            // guarded by mu_
  std::map<std::pair<ThreadId, MessageId>, Body> bodies_;  // guarded by mu_
};

}  // namespace

std::unique_ptr<HistoryStore> make_memory_history_store() {
  return std::make_unique<MemoryHistoryStore>();
}

}  // namespace iris::store
