#include "store/memory/memory_history_store.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "core/thread_fold.h"
#include "store/errc.h"

namespace iris::store {
namespace {

// The history tier does not carry edit counts and reactions yet (every backend alike: the
// durable ones keep those updates in their log only), so the model leaves them out too.
HistoryMessage as_history(HistoryMessage m) {
  m.edit_count = 0;
  m.reactions.clear();
  return m;
}

using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::UserId;

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
        materialize(u, upd);
        u.log.emplace(upd.seq, upd);
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
        if (ht.latest.size() < latest) ht.latest.push_back(as_history(m->second));
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
    while (end != ms.begin() && out.size() < limit) out.push_back(as_history((--end)->second));
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
      out.push_back(it->second);
    }
    return out;
  }

  void set_unavailable(bool unavailable) override { unavailable_ = unavailable; }

 private:
  struct Thread {
    std::string name;
    std::vector<UserId> participants;
    std::map<MessageId, HistoryMessage> messages;
    std::map<UserId, MessageId> watermarks;
  };
  struct User {
    HistoryPosition position;
    std::map<ThreadId, Thread> threads;
    std::map<Seq, core::Update> log;
  };

  static void materialize(User& user, const core::Update& u) {
    core::apply_to_thread(user.threads[u.thread], u, [](const core::MessageCreated& b, const core::Update& up) {
      return HistoryMessage{b.message, up.actor, up.time, b.text, b.reply_to, b.edit_count, {}};
    });
  }

  std::atomic<bool> unavailable_{false};
  mutable std::mutex mu_;
  std::map<UserId, User> users_;  // guarded by mu_
};

}  // namespace

std::unique_ptr<HistoryStore> make_memory_history_store() {
  return std::make_unique<MemoryHistoryStore>();
}

}  // namespace iris::store
