#include "store/rocksdb/rocksdb_queue_store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <limits>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <variant>

#include "base/log.h"
#include "base/thread_name.h"
#include "core/errc.h"
#include "store/detail/record_codec.h"
#include "store/detail/sender_shares.h"
#include "store/errc.h"
#include "store/rocksdb/info_log.h"

namespace iris::store {
namespace {

using detail::Meta;

class RocksDbQueueStore final : public QueueStore {
 public:
  RocksDbQueueStore(std::unique_ptr<rocksdb::DB> db, const StoreOptions& options)
      : db_(std::move(db)), options_(options), shares_(options.max_sender_share),
        epoch_rng_(std::random_device{}()) {
    committer_ = std::thread([this] {
      name_this_thread("iris-commit");
      commit_loop();
    });
  }

  ~RocksDbQueueStore() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      refusing_writes_.store(true, std::memory_order_relaxed);
    }
    cv_.notify_one();
    committer_.join();  // drains every pending operation first
    db_->Close().PermitUncheckedError();
  }

  void async_append(AppendRequest request, AppendCallback done) override {
    submit(AppendOp{std::move(request), std::move(done)});
  }
  void async_advance_cursor(UserId user, CursorName name, Seq to, SeqCallback done) override {
    submit(CursorOp{user, std::move(name), to, std::move(done)});
  }
  void async_trim_to(UserId user, Seq up_to, CountCallback done) override {
    submit(TrimOp{user, up_to, std::move(done)});
  }

  Result<QueueInfo> info(UserId user) const override {
    auto meta = read_meta(user, nullptr);
    if (!meta) return fail(meta.error());
    if (!*meta) return QueueInfo{};
    return QueueInfo{(*meta)->epoch, (*meta)->first, (*meta)->head};
  }

  Result<std::vector<Update>> read(UserId user, Seq from, std::size_t max_count) const override {
    rocksdb::ManagedSnapshot snapshot(db_.get());
    auto meta_r = read_meta(user, snapshot.snapshot());
    if (!meta_r) return fail(meta_r.error());
    const Meta meta = meta_r->value_or(Meta{});
    if (from < meta.first) return fail(core::errc::trimmed);
    std::vector<Update> out;
    if (from > meta.head || max_count == 0) return out;

    const std::string upper = detail::update_key(user, core::next(meta.head));
    const rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot.snapshot();
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    Seq expect = from;
    out.reserve(std::min<std::size_t>(max_count, meta.head.value() - from.value() + 1));
    for (it->Seek(detail::update_key(user, from)); it->Valid() && out.size() < max_count;
         it->Next()) {
      const std::string_view key(it->key().data(), it->key().size());
      if (detail::seq_of_update_key(key) != expect) {
        IRIS_LOG(error, "store", "queue gap at key {}: expected seq {}", detail::describe_key(key),
                 expect.value());
        return fail(errc::corrupt_record);
      }
      auto u = detail::decode_update(std::string_view(it->value().data(), it->value().size()), expect);
      if (!u) return report_corrupt(key, u.error());
      out.push_back(std::move(*u));
      expect = core::next(expect);
    }
    if (!it->status().ok()) return fail(errc::io_error);
    if (out.size() < max_count && expect <= meta.head) {
      IRIS_LOG(error, "store", "queue of user {} ends at seq {} but its head is {}", user.value(),
               expect.value() - 1, meta.head.value());
      return fail(errc::corrupt_record);
    }
    return out;
  }

  Result<std::optional<Seq>> cursor(UserId user, const CursorName& name) const override {
    const std::string key = detail::cursor_key(user, name);
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), key, &value);
    if (s.IsNotFound()) return std::optional<Seq>{};
    if (!s.ok()) return fail(errc::io_error);
    auto seq = detail::decode_seq(value);
    if (!seq) return report_corrupt(key, seq.error());
    return std::optional<Seq>{*seq};
  }

  Result<std::vector<std::pair<CursorName, Seq>>> cursors(UserId user) const override {
    const std::string prefix = detail::cursor_prefix(user);
    std::vector<std::pair<CursorName, Seq>> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      const std::string_view key(it->key().data(), it->key().size());
      auto name = CursorName::parse(detail::name_of_cursor_key(key));
      auto seq = detail::decode_seq(std::string_view(it->value().data(), it->value().size()));
      if (!name || !seq) return report_corrupt(key, make_error_code(errc::corrupt_record));
      out.emplace_back(std::move(*name), *seq);
    }
    if (!it->status().ok()) return fail(errc::io_error);
    return out;
  }

  Result<std::optional<IdempotencyRecord>> find(const IdempotencyKey& k) const override {
    const std::string key = detail::idempotency_key(k);
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), key, &value);
    if (s.IsNotFound()) return std::optional<IdempotencyRecord>{};
    if (!s.ok()) return fail(errc::io_error);
    auto rec = detail::decode_idempotency(value);
    if (!rec) return report_corrupt(key, rec.error());
    return std::optional<IdempotencyRecord>{std::move(*rec)};
  }

  Result<std::vector<UserId>> users(UserId after, std::size_t max_count) const override {
    std::vector<UserId> out;
    if (after.value() == std::numeric_limits<std::uint64_t>::max()) return out;
    const std::string prefix(1, static_cast<char>(detail::KeyType::meta));
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(detail::meta_key(UserId{after.value() + 1}));
         it->Valid() && it->key().starts_with(prefix) && out.size() < max_count; it->Next()) {
      out.push_back(detail::user_of_meta_key(std::string_view(it->key().data(), it->key().size())));
    }
    if (!it->status().ok()) return fail(errc::io_error);
    return out;
  }

 private:
  struct AppendOp {
    AppendRequest request;
    AppendCallback done;
  };
  struct CursorOp {
    UserId user;
    CursorName name;
    Seq to;
    SeqCallback done;
  };
  struct TrimOp {
    UserId user;
    Seq up_to;
    CountCallback done;
  };
  using Op = std::variant<AppendOp, CursorOp, TrimOp>;

  // State of one group commit, built on the commit thread and published to the caches only
  // once the batch is durable.
  struct Group {
    rocksdb::WriteBatch batch;
    std::unordered_map<UserId, Meta> metas;
    std::unordered_map<UserId, bool> dirty;  // metas to write back
    std::unordered_map<std::string, Seq> cursors;
    std::unordered_map<IdempotencyKey, AppendResult, core::IdempotencyKeyHash> keys;
    // Each op's completion, given the batch's write status.
    std::vector<std::function<void(std::error_code)>> completions;
    std::string scratch;
  };

  static tl::unexpected<std::error_code> report_corrupt(std::string_view key, std::error_code ec) {
    IRIS_LOG(error, "store", "cannot decode record at key {}: {}", detail::describe_key(key),
             ec.message());
    return fail(errc::corrupt_record);
  }

  Result<std::optional<Meta>> read_meta(UserId user, const rocksdb::Snapshot* snapshot) const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    const std::string key = detail::meta_key(user);
    std::string value;
    auto s = db_->Get(ro, key, &value);
    if (s.IsNotFound()) return std::optional<Meta>{};
    if (!s.ok()) return fail(errc::io_error);
    auto meta = detail::decode_meta(value);
    if (!meta) return report_corrupt(key, meta.error());
    return std::optional<Meta>{*meta};
  }

  StoreStats stats() const override {
    StoreStats out;
    out.writable = !refusing_writes_.load(std::memory_order_relaxed);
    out.commits = commit_latency_.read();
    return out;
  }

  void submit(Op op) {
    std::unique_lock lock(mu_);
    if (stopping_ || pending_.size() >= options_.max_pending) {
      lock.unlock();
      const auto ec = make_error_code(stopping_ ? errc::closed : errc::overloaded);
      std::visit([&](auto& o) { o.done(fail(ec)); }, op);
      return;
    }
    pending_.push_back(std::move(op));
    lock.unlock();
    cv_.notify_one();
  }

  void commit_loop() {
    std::vector<Op> ops;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        const auto ready = [&] { return stopping_ || !pending_.empty(); };
        if (failed_) cv_.wait_until(lock, next_recovery_, ready);
        else cv_.wait(lock, ready);
        if (stopping_ && pending_.empty()) return;  // everything is drained
        const std::size_t n = std::min(pending_.size(), options_.max_group);
        ops.clear();
        for (std::size_t i = 0; i < n; ++i) {
          ops.push_back(std::move(pending_.front()));
          pending_.pop_front();
        }
      }
      if (failed_ && std::chrono::steady_clock::now() >= next_recovery_) try_recover();
      if (!ops.empty()) commit_group(ops);
    }
  }

  // After a failed write: RocksDB has stopped writes (a background error) and the failed
  // batch may sit, whole or torn, at the end of the current WAL. Resume() flushes the
  // memtables and starts a new WAL, so the failed batch can never be replayed and nothing
  // acknowledged sits behind a torn record; it fails (and we wait longer) while the cause,
  // e.g. a full disk, is still there. The cached metas are dropped: the database is the truth.
  void try_recover() {
    ++recovery_attempts_;
    const auto s = db_->Resume();
    const auto now = std::chrono::steady_clock::now();
    if (s.ok()) {
      IRIS_LOG(warn, "store",
               "queue store recovered after {} attempt(s) in {} ms: accepting writes again",
               recovery_attempts_,
               std::chrono::duration_cast<std::chrono::milliseconds>(now - failed_since_).count());
      metas_.clear();
      failed_ = false;
      refusing_writes_.store(false, std::memory_order_relaxed);
      return;
    }
    backoff_ = std::min(backoff_ * 2, options_.recovery_backoff_max);
    next_recovery_ = now + backoff_;
    IRIS_LOG(warn, "store", "queue store recovery attempt {} failed: {}; next in {} ms",
             recovery_attempts_, s.ToString(), backoff_.count());
  }

  void commit_group(std::vector<Op>& ops) {
    Group g;
    for (Op& op : ops) std::visit([&](auto& o) { apply(g, o); }, op);

    std::error_code write_error;
    for (const auto& [user, dirty] : g.dirty) {
      g.scratch.clear();
      detail::encode_meta(g.metas.at(user), g.scratch);
      g.batch.Put(detail::meta_key(user), g.scratch);
    }
    if (g.batch.Count() > 0) {
      rocksdb::WriteOptions wo;
      wo.sync = options_.sync;
      const auto started = std::chrono::steady_clock::now();
      auto s = db_->Write(wo, &g.batch);
      commit_latency_.record(std::chrono::steady_clock::now() - started);
      if (!s.ok()) {
        IRIS_LOG(error, "store",
                 "group commit of {} operations failed: {}; refusing writes until the store "
                 "recovers (first retry in {} ms)",
                 ops.size(), s.ToString(), options_.recovery_backoff.count());
        failed_ = true;
        failed_since_ = std::chrono::steady_clock::now();
        recovery_attempts_ = 0;
        backoff_ = options_.recovery_backoff;
        next_recovery_ = failed_since_ + backoff_;
        refusing_writes_.store(true, std::memory_order_relaxed);
        write_error = make_error_code(errc::io_error);
        shares_.forget_all();  // they counted appends that were not written
      } else {
        for (auto& [user, meta] : g.metas) {
          if (meta.epoch.value() != 0) metas_[user] = meta;
        }
      }
    }
    for (auto& complete : g.completions) complete(write_error);
  }

  // The actors of `user`'s committed updates from `first` on (the sender shares' scan).
  Result<detail::SenderShares::Counts> count_actors(UserId user, Seq first) const {
    detail::SenderShares::Counts counts;
    const std::string upper = detail::update_key(user, Seq{std::numeric_limits<std::uint64_t>::max()});
    const rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    for (it->Seek(detail::update_key(user, first)); it->Valid(); it->Next()) {
      const std::string_view key(it->key().data(), it->key().size());
      auto u = detail::decode_update(std::string_view(it->value().data(), it->value().size()),
                                     detail::seq_of_update_key(key));
      if (!u) return report_corrupt(key, u.error());
      ++counts[u->actor];
    }
    if (!it->status().ok()) return fail(errc::io_error);
    return counts;
  }

  // The meta of `user` as this group sees it: earlier ops of the group, then the cache,
  // then the database. A queue that does not exist yet is created when `create` is set.
  Result<Meta*> meta_for(Group& g, UserId user, bool create) {
    auto it = g.metas.find(user);
    if (it == g.metas.end()) {
      Meta meta;  // epoch 0: the queue does not exist yet
      if (auto cached = metas_.find(user); cached != metas_.end()) {
        meta = cached->second;
      } else {
        auto stored = read_meta(user, nullptr);
        if (!stored) return fail(stored.error());
        if (*stored) meta = **stored;
      }
      it = g.metas.emplace(user, meta).first;
    }
    Meta& meta = it->second;
    if (create && meta.epoch.value() == 0) {
      do meta.epoch = core::Epoch{epoch_rng_()}; while (meta.epoch.value() == 0);
      g.dirty[user] = true;
    }
    return &meta;
  }

  Result<std::optional<Seq>> cursor_for(Group& g, const std::string& key) {
    if (auto it = g.cursors.find(key); it != g.cursors.end()) return std::optional<Seq>{it->second};
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), key, &value);
    if (s.IsNotFound()) return std::optional<Seq>{};
    if (!s.ok()) return fail(errc::io_error);
    auto seq = detail::decode_seq(value);
    if (!seq) return report_corrupt(key, seq.error());
    return std::optional<Seq>{*seq};
  }

  template <typename T, typename Callback>
  static void complete_now(Group& g, Callback& done, Result<T> result) {
    g.completions.push_back([done = std::move(done), result = std::move(result)](std::error_code) mutable {
      done(std::move(result));
    });
  }
  template <typename T, typename Callback>
  static void complete_after_write(Group& g, Callback& done, T value) {
    g.completions.push_back([done = std::move(done), value = std::move(value)](std::error_code ec) mutable {
      if (ec) done(fail(ec));
      else done(std::move(value));
    });
  }

  void apply(Group& g, AppendOp& op) {
    if (failed_) return complete_now<AppendResult>(g, op.done, fail(errc::store_failed));
    if (op.request.entries.empty()) return complete_now<AppendResult>(g, op.done, fail(errc::invalid_request));
    const auto& key = op.request.idempotency;
    if (key) {
      if (auto it = g.keys.find(*key); it != g.keys.end()) {
        AppendResult dup = it->second;
        dup.duplicate = true;
        return complete_after_write(g, op.done, std::move(dup));
      }
      auto known = find(*key);
      if (!known) return complete_now<AppendResult>(g, op.done, fail(known.error()));
      if (*known) {
        return complete_now<AppendResult>(g, op.done, AppendResult{std::move((*known)->positions), true});
      }
    }
    // Check every queue's limit before touching any, so a refusal changes nothing.
    std::vector<std::pair<Meta*, std::uint64_t>> counts;  // few users per request: linear is fine
    for (const auto& e : op.request.entries) {
      auto meta = meta_for(g, e.user, false);
      if (!meta) return complete_now<AppendResult>(g, op.done, fail(meta.error()));
      auto it = std::find_if(counts.begin(), counts.end(), [&](auto& c) { return c.first == *meta; });
      if (it == counts.end()) counts.emplace_back(*meta, 1);
      else ++it->second;
    }
    for (const auto& [meta, n] : counts) {
      const std::uint64_t retained = meta->head.value() + 1 - meta->first.value();
      if (retained + n > options_.max_queue_length) {
        return complete_now<AppendResult>(g, op.done, fail(core::errc::queue_full));
      }
    }
    // (owner, actor) -> updates: few per request, linear is fine.
    std::vector<std::tuple<UserId, UserId, std::uint64_t>> by_actor;
    for (const auto& e : op.request.entries) {
      auto it = std::find_if(by_actor.begin(), by_actor.end(), [&](const auto& t) {
        return std::get<0>(t) == e.user && std::get<1>(t) == e.update.actor;
      });
      if (it == by_actor.end()) by_actor.emplace_back(e.user, e.update.actor, 1);
      else ++std::get<2>(*it);
    }
    for (const auto& [owner, actor, n] : by_actor) {
      const Meta& meta = *meta_for(g, owner, false).value();  // in the group already
      const std::uint64_t retained = meta.head.value() + 1 - meta.first.value();
      const Seq first = meta.first;
      auto ok = shares_.check(owner, retained, actor, n, [&](UserId u) { return count_actors(u, first); });
      if (!ok) return complete_now<AppendResult>(g, op.done, fail(ok.error()));
    }
    AppendResult result;
    result.positions.reserve(op.request.entries.size());
    for (auto& e : op.request.entries) {
      Meta& meta = *meta_for(g, e.user, true).value();  // in the group already: cannot fail
      meta.head = core::next(meta.head);
      g.dirty[e.user] = true;
      e.update.seq = meta.head;
      g.scratch.clear();
      detail::encode_update(e.update, g.scratch);
      g.batch.Put(detail::update_key(e.user, meta.head), g.scratch);
      result.positions.push_back({e.user, meta.head});
    }
    for (const auto& [owner, actor, n] : by_actor) shares_.added(owner, actor, n);
    if (key) {
      g.scratch.clear();
      const core::IdempotencyRecord record{op.request.entries.front().update.time, result.positions};
      detail::encode_idempotency(record, g.scratch);
      g.batch.Put(detail::idempotency_key(*key), g.scratch);
      g.keys.emplace(*key, result);
    }
    complete_after_write(g, op.done, std::move(result));
  }

  void apply(Group& g, CursorOp& op) {
    if (failed_) return complete_now<Seq>(g, op.done, fail(errc::store_failed));
    auto meta = meta_for(g, op.user, false);
    if (!meta) return complete_now<Seq>(g, op.done, fail(meta.error()));
    if (op.to > (*meta)->head) return complete_now<Seq>(g, op.done, fail(core::errc::cursor_beyond_head));
    if ((*meta)->epoch.value() == 0) return complete_now<Seq>(g, op.done, Result<Seq>(Seq{0}));
    const std::string key = detail::cursor_key(op.user, op.name);
    auto current = cursor_for(g, key);
    if (!current) return complete_now<Seq>(g, op.done, fail(current.error()));
    if (*current && **current >= op.to) return complete_now<Seq>(g, op.done, Result<Seq>(**current));
    g.scratch.clear();
    detail::encode_seq(op.to, g.scratch);
    g.batch.Put(key, g.scratch);
    g.cursors[key] = op.to;
    complete_after_write(g, op.done, op.to);
  }

  void apply(Group& g, TrimOp& op) {
    using Count = std::size_t;
    if (failed_) return complete_now<Count>(g, op.done, fail(errc::store_failed));
    auto meta = meta_for(g, op.user, false);
    if (!meta) return complete_now<Count>(g, op.done, fail(meta.error()));
    auto storage = cursor_for(g, detail::cursor_key(op.user, CursorName::storage()));
    if (!storage) return complete_now<Count>(g, op.done, fail(storage.error()));
    if (!*storage || **storage < op.up_to) {
      return complete_now<Count>(g, op.done, fail(core::errc::trim_past_storage_cursor));
    }
    Meta& m = **meta;
    if (op.up_to < m.first) return complete_now<Count>(g, op.done, Result<Count>(0));
    shares_.forget(op.user);
    const Count dropped = op.up_to.value() + 1 - m.first.value();
    // Begins just after the key of seq first - 1 (>= 0: first >= 1) rather than at the key
    // of `first`: the same range, since no key lies between, but one byte longer, so that
    // it is outside QueueKeyHints' domain (see there).
    std::string begin = detail::update_key(op.user, core::Seq{m.first.value() - 1});
    begin.push_back('\0');
    g.batch.DeleteRange(begin, detail::update_key(op.user, core::next(op.up_to)));
    m.first = core::next(op.up_to);
    g.dirty[op.user] = true;
    complete_after_write(g, op.done, dropped);
  }

  std::unique_ptr<rocksdb::DB> db_;
  const StoreOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Op> pending_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_

  // Written by the commit thread, read by stats() on any thread.
  CommitLatency commit_latency_;
  std::atomic<bool> refusing_writes_{false};  // failed_, published

  // Owned by the commit thread.
  std::unordered_map<UserId, Meta> metas_;
  // Set by a failed write, cleared by a successful recovery (try_recover); while set, every
  // write is refused with store_failed.
  bool failed_ = false;
  std::chrono::steady_clock::time_point failed_since_;
  std::chrono::steady_clock::time_point next_recovery_;
  std::chrono::milliseconds backoff_{0};
  std::uint64_t recovery_attempts_ = 0;
  detail::SenderShares shares_;  // counts of committed updates, plus this group's
  std::mt19937_64 epoch_rng_;
  std::thread committer_;  // last: starts after everything it uses exists
};

}  // namespace

// The memtable insert-hint domain: update keys ('U' user seq, 17 bytes), hinted per user
// ('U' user), and meta keys ('M' user, 9 bytes), each its own hint (docs/STORAGE_FORMAT.md).
// RocksDB 7.8 keeps one hint per prefix for the memtable and its range-tombstone table alike
// (MemTable::Add), so a range delete whose begin key were in the domain would hand the
// skiplist of one a splice of the other (it asserts, or corrupts without asserts): trims
// therefore begin their range with an 18-byte key, outside the domain.
// The commit thread is the one owner of recovery from a failed write (try_recover, with its
// backoff): RocksDB's own automatic recovery (for a full disk, polled by its SstFileManager)
// is switched off, since while it runs a manual Resume() only answers Busy.
class ManualRecovery final : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "iris.ManualRecovery"; }
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status bg_error,
                            bool* auto_recovery) override {
    bg_error.PermitUncheckedError();
    *auto_recovery = false;
  }
};

class QueueKeyHints final : public rocksdb::SliceTransform {
 public:
  static constexpr std::size_t kPrefix = 9;  // type byte + user
  static constexpr std::size_t kUpdateKey = 17;
  const char* Name() const override { return "iris.QueueKeyHints"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), kPrefix);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return (key.size() == kUpdateKey && key[0] == static_cast<char>(detail::KeyType::update)) ||
           (key.size() == kPrefix && key[0] == static_cast<char>(detail::KeyType::meta));
  }
};

Result<std::unique_ptr<QueueStore>> open_rocksdb_queue_store(const StoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    IRIS_LOG(error, "store", "cannot create store directory {}: {}", options.path, ec.message());
    return fail(errc::open_failed);
  }
  rocksdb::Options ro;
  ro.create_if_missing = true;
  ro.write_buffer_size = options.write_buffer_bytes;
  ro.max_background_jobs = 2;
  ro.keep_log_file_num = 4;
  ro.listeners.push_back(std::make_shared<ManualRecovery>());
  ro.info_log = detail::make_rocksdb_info_log();
  // Sends look up idempotency records that almost never exist: a memtable bloom filter over
  // whole keys answers those without a skiplist search. Appends to one queue come in seq
  // order and every group rewrites the queues' metas: insert hints per queue (QueueKeyHints)
  // put each next to the last one instead of searching the skiplist from the top.
  ro.memtable_insert_with_hint_prefix_extractor = std::make_shared<QueueKeyHints>();
  ro.memtable_prefix_bloom_size_ratio = 0.02;
  ro.memtable_whole_key_filtering = true;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  ro.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(ro, options.path, &raw);
  if (!s.ok()) {
    IRIS_LOG(error, "store", "cannot open RocksDB at {}: {}", options.path, s.ToString());
    return fail(errc::open_failed);
  }
  return std::unique_ptr<QueueStore>(
      std::make_unique<RocksDbQueueStore>(std::unique_ptr<rocksdb::DB>(raw), options));
}

}  // namespace iris::store
