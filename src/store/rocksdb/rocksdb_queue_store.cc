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
#include "store/detail/queue_group.h"
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
  using AppendOp = detail::AppendOp;
  using CursorOp = detail::CursorOp;
  using TrimOp = detail::TrimOp;
  using Op = detail::QueueOp;

  // What one group reads and writes: the store's committed state (its meta cache first) and
  // one WriteBatch.
  class BatchTables final : public detail::QueueTables {
   public:
    // Requires: store outlives this object.
    explicit BatchTables(RocksDbQueueStore& store) : store_(store) {}
    rocksdb::WriteBatch batch;

    Result<Meta> meta(UserId user) override {
      if (auto cached = store_.metas_.find(user); cached != store_.metas_.end()) return cached->second;
      auto stored = store_.read_meta(user, nullptr);
      if (!stored) return fail(stored.error());
      return stored->value_or(Meta{});
    }
    Result<std::optional<Seq>> cursor(UserId user, const CursorName& name) override {
      return store_.cursor(user, name);
    }
    Result<std::optional<IdempotencyRecord>> record(const IdempotencyKey& key) override {
      return store_.find(key);
    }
    Result<detail::SenderShares::Counts> count_actors(UserId user, Seq first) override {
      return store_.count_actors(user, first);
    }
    void put_update(UserId user, Seq seq, UserId, std::string_view record) override {
      batch.Put(detail::update_key(user, seq), rocksdb::Slice(record.data(), record.size()));
    }
    // Begins just after the key of seq first - 1 (>= 0: first >= 1) rather than at the key
    // of `first`: the same range, since no key lies between, but one byte longer, so that
    // it is outside QueueKeyHints' domain (see there).
    void delete_updates(UserId user, Seq first, Seq last) override {
      std::string begin = detail::update_key(user, core::Seq{first.value() - 1});
      begin.push_back('\0');
      batch.DeleteRange(begin, detail::update_key(user, core::next(last)));
    }
    void put_meta(UserId user, const Meta& meta) override {
      scratch_.clear();
      detail::encode_meta(meta, scratch_);
      batch.Put(detail::meta_key(user), scratch_);
    }
    void put_cursor(UserId user, const CursorName& name, Seq seq) override {
      scratch_.clear();
      detail::encode_seq(seq, scratch_);
      batch.Put(detail::cursor_key(user, name), scratch_);
    }
    void put_record(const IdempotencyKey& key, std::string_view record) override {
      batch.Put(detail::idempotency_key(key), rocksdb::Slice(record.data(), record.size()));
    }

   private:
    RocksDbQueueStore& store_;
    std::string scratch_;
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
    if (failed_) return detail::fail_all(ops, make_error_code(errc::store_failed));
    BatchTables tables(*this);
    detail::QueueGroup g({options_.max_queue_length, 0}, shares_, epoch_rng_, tables);
    for (Op& op : ops) g.apply(op);
    g.finish();

    std::error_code write_error;
    if (g.has_writes()) {
      rocksdb::WriteOptions wo;
      wo.sync = options_.sync;
      const auto started = std::chrono::steady_clock::now();
      auto s = db_->Write(wo, &tables.batch);
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
        for (const auto& [user, meta] : g.metas()) {
          if (meta.epoch.value() != 0) metas_[user] = meta;
        }
      }
    }
    g.complete(write_error);
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
