#include "store/memory/memory_queue_store.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <random>

#include "core/errc.h"
#include "core/user_queue.h"
#include "store/detail/sender_shares.h"
#include "store/errc.h"

namespace iris::store {
namespace {

class MemoryQueueStore final : public QueueStore {
 public:
  explicit MemoryQueueStore(const StoreOptions& options)
      : limits_{options.max_queue_length}, shares_(options.max_sender_share), rng_(std::random_device{}()) {}

  void async_append(AppendRequest request, AppendCallback done) override {
    done(append_locked(std::move(request)));
  }

  void async_advance_cursor(UserId user, CursorName name, Seq to, SeqCallback done) override {
    Result<Seq> r = [&]() -> Result<Seq> {
      std::lock_guard lock(mu_);
      auto it = queues_.find(user);
      if (it == queues_.end()) {
        if (to.value() > 0) return fail(core::errc::cursor_beyond_head);
        return Seq{0};
      }
      return it->second.advance_cursor(name, to);
    }();
    done(std::move(r));
  }

  void async_trim_to(UserId user, Seq up_to, CountCallback done) override {
    Result<std::size_t> r = [&]() -> Result<std::size_t> {
      std::lock_guard lock(mu_);
      auto it = queues_.find(user);
      if (it == queues_.end()) return fail(core::errc::trim_past_storage_cursor);
      shares_.forget(user);
      return it->second.trim_to(up_to);
    }();
    done(std::move(r));
  }

  Result<QueueInfo> info(UserId user) const override {
    std::lock_guard lock(mu_);
    auto it = queues_.find(user);
    if (it == queues_.end()) return QueueInfo{};
    return QueueInfo{it->second.epoch(), it->second.first_retained(), it->second.head()};
  }

  Result<std::vector<Update>> read(UserId user, Seq from, std::size_t max_count) const override {
    std::lock_guard lock(mu_);
    auto it = queues_.find(user);
    if (it == queues_.end()) {
      if (from.value() < 1) return fail(core::errc::trimmed);
      return std::vector<Update>{};
    }
    return it->second.read(from, max_count);
  }

  Result<std::optional<Seq>> cursor(UserId user, const CursorName& name) const override {
    std::lock_guard lock(mu_);
    auto it = queues_.find(user);
    if (it == queues_.end()) return std::optional<Seq>{};
    return it->second.cursors().position(name);
  }

  Result<std::vector<std::pair<CursorName, Seq>>> cursors(UserId user) const override {
    std::lock_guard lock(mu_);
    std::vector<std::pair<CursorName, Seq>> out;
    auto it = queues_.find(user);
    if (it != queues_.end()) {
      for (const auto& [name, seq] : it->second.cursors().all()) out.emplace_back(name, seq);
    }
    return out;
  }

  Result<std::vector<UserId>> users(UserId after, std::size_t max_count) const override {
    std::lock_guard lock(mu_);
    std::vector<UserId> out;
    for (auto it = queues_.upper_bound(after); it != queues_.end() && out.size() < max_count; ++it) {
      out.push_back(it->first);
    }
    return out;
  }

  Result<std::optional<IdempotencyRecord>> find(const IdempotencyKey& key) const override {
    std::lock_guard lock(mu_);
    const auto* rec = keys_.find(key);
    if (!rec) return std::optional<IdempotencyRecord>{};
    return std::optional<IdempotencyRecord>{*rec};
  }

 private:
  Result<AppendResult> append_locked(AppendRequest request) {
    std::lock_guard lock(mu_);
    if (request.entries.empty()) return fail(errc::invalid_request);
    if (request.idempotency) {
      if (const auto* rec = keys_.find(*request.idempotency)) return AppendResult{rec->positions, true};
    }
    std::map<UserId, std::uint64_t> counts;
    for (const auto& e : request.entries) ++counts[e.user];
    for (const auto& [user, n] : counts) {
      auto it = queues_.find(user);
      const std::uint64_t retained = it == queues_.end() ? 0 : it->second.size();
      if (retained + n > limits_.max_length) return fail(core::errc::queue_full);
    }
    std::map<std::pair<UserId, UserId>, std::uint64_t> by_actor;  // (owner, actor) -> updates
    for (const auto& e : request.entries) ++by_actor[{e.user, e.update.actor}];
    const detail::SenderShares::Scan scan = [this](UserId owner) -> Result<detail::SenderShares::Counts> {
      detail::SenderShares::Counts by_sender;
      const auto& q = queues_.at(owner);  // a queue longer than the share exists
      auto all = q.read(q.first_retained(), q.size());
      if (!all) return fail(all.error());
      for (const auto& u : *all) ++by_sender[u.actor];
      return by_sender;
    };
    for (const auto& [key, n] : by_actor) {
      auto it = queues_.find(key.first);
      const std::uint64_t retained = it == queues_.end() ? 0 : it->second.size();
      if (auto ok = shares_.check(key.first, retained, key.second, n, scan); !ok) return fail(ok.error());
    }
    if (request.fanout && !valid_note(request)) return fail(errc::invalid_request);
    const core::Timestamp time = request.entries.front().update.time;
    AppendResult result;
    std::optional<PendingFanout> pending;
    for (auto& e : request.entries) {
      const bool note_here = request.fanout && !pending && e.user == request.fanout->sender;
      if (note_here) pending = PendingFanout{e.user, e.update, request.fanout->recipients};
      auto it = queues_.find(e.user);
      if (it == queues_.end()) {
        core::Epoch epoch;
        do epoch = core::Epoch{rng_()}; while (epoch.value() == 0);
        it = queues_.emplace(e.user, core::UserQueue(e.user, epoch, limits_)).first;
      }
      auto seq = it->second.append(std::move(e.update));
      if (!seq) return fail(seq.error());  // unreachable: limits were checked above
      result.positions.push_back({e.user, *seq});
      if (note_here) pending->update.seq = *seq;
    }
    if (pending) fanout_[{pending->sender, pending->update.seq}] = std::move(*pending);
    for (const auto& [key, n] : by_actor) shares_.added(key.first, key.second, n);
    if (request.idempotency) {
      keys_.remember(*request.idempotency, {time, result.positions});
    }
    return result;
  }

  // The note names one of the entries' users as sender and recipients outside the entries.
  static bool valid_note(const AppendRequest& r) {
    const auto named = [&](UserId u) {
      return std::any_of(r.entries.begin(), r.entries.end(), [&](const AppendEntry& e) { return e.user == u; });
    };
    return named(r.fanout->sender) && !r.fanout->recipients.empty() &&
           std::none_of(r.fanout->recipients.begin(), r.fanout->recipients.end(), named);
  }

 public:
  bool records_fanout() const override { return true; }

  void async_confirm_fanout(std::vector<FanoutRow> rows, DoneCallback done) override {
    {
      std::lock_guard lock(mu_);
      for (const auto& r : rows) fanout_.erase({r.sender, r.seq});
    }
    done(Result<void>{});
  }

  Result<std::vector<PendingFanout>> pending_fanout(UserId after_sender, Seq after_seq,
                                                    std::size_t max_count) const override {
    std::lock_guard lock(mu_);
    std::vector<PendingFanout> out;
    for (auto it = fanout_.upper_bound({after_sender, after_seq}); it != fanout_.end() && out.size() < max_count; ++it) {
      out.push_back(it->second);
    }
    return out;
  }

 private:
  const core::QueueLimits limits_;
  mutable std::mutex mu_;
  std::map<std::pair<UserId, Seq>, PendingFanout> fanout_;  // guarded by mu_
  std::map<UserId, core::UserQueue> queues_;  // guarded by mu_
  core::IdempotencyTable keys_;               // guarded by mu_
  detail::SenderShares shares_;               // guarded by mu_
  std::mt19937_64 rng_;                       // guarded by mu_
};

}  // namespace

std::unique_ptr<QueueStore> make_memory_queue_store(const StoreOptions& options) {
  return std::make_unique<MemoryQueueStore>(options);
}

}  // namespace iris::store
