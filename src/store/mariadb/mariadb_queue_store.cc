#include "store/mariadb/mariadb_queue_store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "base/log.h"
#include "base/thread_name.h"
#include "core/errc.h"
#include "store/detail/commit_queue.h"
#include "store/detail/queue_group.h"
#include "store/detail/record_codec.h"
#include "store/detail/sender_shares.h"
#include "store/errc.h"
#include "store/mariadb/connection_pool.h"
#include "store/mariadb/detail/group_sql.h"
#include "store/mariadb/detail/owner_fence.h"
#include "store/mariadb/detail/semisync_watch.h"
#include "store/mariadb/queue_schema.h"

namespace iris::store {
namespace {

using detail::Meta;
using mariadb::Connection;
using mariadb::ConnectionPool;
using mariadb::Param;
using mariadb::Rows;
using mariadb::detail::GroupSql;
using mariadb::detail::num;
namespace fence = mariadb::detail;
using CursorKey = std::pair<std::uint64_t, std::string>;  // user, cursor name

class MariaDbQueueStore final : public QueueStore {
 public:
  MariaDbQueueStore(const StoreOptions& options, const MariaDbOptions& mariadb, Connection conn)
      : options_(options), pool_(mariadb),
        queue_({options.max_pending, options.max_group, std::max<std::size_t>(options.max_group * 4, 1024)}),
        committers_(std::max<std::size_t>(mariadb.commit_connections, 1)),
        shares_(options.max_sender_share), backoff_(mariadb.retry_backoff), epoch_rng_(std::random_device{}()) {
    committers_[0].conn.emplace(std::move(conn));
    for (auto& c : committers_) {
      c.thread = std::thread([this, &c] {
        name_this_thread("iris-commit");
        commit_loop(c);
      });
    }
    if (mariadb.watch_interval.count() > 0) {
      watcher_ = std::thread([this] {
        name_this_thread("iris-dbwatch");
        watch_loop();
      });
    }
    claimer_ = std::thread([this] {
      name_this_thread("iris-claim");
      claim_loop();
    });
  }

  ~MariaDbQueueStore() override {
    {
      std::lock_guard lock(watch_mu_);
      watch_stop_ = true;
    }
    watch_cv_.notify_one();
    if (watcher_.joinable()) watcher_.join();
    queue_.close();
    for (auto& c : committers_) c.thread.join();  // drain every pending operation first
    {
      std::lock_guard lock(claim_mu_);
      claims_closed_ = true;
    }
    claim_cv_.notify_one();
    claimer_.join();  // answers the claims still waiting
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
  Result<void> fence_as(const std::string& owner) override {
    if (auto ok = QueueStore::fence_as(owner); !ok) return ok;
    std::lock_guard lock(claim_mu_);
    fence_owner_ = owner;
    fenced_.store(true, std::memory_order_release);
    return {};
  }
  // Claims have a thread and connection of their own (claim_loop): a claim may wait for
  // another server's append holding the owner row, and must not hold a commit thread.
  void async_claim(UserId user, std::uint64_t term, VoidCallback done) override {
    std::unique_lock lock(claim_mu_);
    if (claims_closed_ || claims_.size() >= options_.max_pending) {
      const auto ec = make_error_code(claims_closed_ ? errc::closed : errc::overloaded);
      lock.unlock();
      return done(fail(ec));
    }
    claims_.push_back(ClaimOp{user, term, std::move(done)});
    lock.unlock();
    claim_cv_.notify_one();
  }

  bool records_fanout() const override { return true; }

  void async_confirm_fanout(std::vector<FanoutRow> rows, DoneCallback done) override {
    submit(detail::FanoutDoneOp{std::move(rows), std::move(done)});
  }

  Result<std::vector<PendingFanout>> pending_fanout(UserId after_sender, Seq after_seq,
                                                    std::size_t max_count) const override {
    auto rows = pool_.with_connection([&](Connection& c) -> Result<Rows> {
      auto stmt = c.prepare(
          "SELECT sender, seq, recipients, record FROM queue_fanout WHERE sender > ? OR "
          "(sender = ? AND seq > ?) ORDER BY sender, seq LIMIT ?");
      if (!stmt) return fail(stmt.error());
      const std::uint64_t limit = std::min<std::uint64_t>(max_count, std::uint64_t{1} << 62);
      const Param p[] = {after_sender.value(), after_sender.value(), after_seq.value(), limit};
      return (*stmt)->query(p);
    });
    if (!rows) return fail(rows.error());
    std::vector<PendingFanout> out;
    for (std::size_t i = 0; i < rows->size(); ++i) {
      auto sender = rows->u64(i, 0), seq = rows->u64(i, 1);
      const auto ids = rows->bytes(i, 2);
      if (!sender || !seq || ids.size() % 8 != 0) return fail(errc::corrupt_record);
      auto u = detail::decode_update(rows->bytes(i, 3), Seq{*seq});
      if (!u) return fail(errc::corrupt_record);
      PendingFanout p{UserId{*sender}, std::move(*u), {}};
      for (std::size_t k = 0; k < ids.size(); k += 8) {
        std::uint64_t v = 0;
        for (std::size_t b = 0; b < 8; ++b) v |= std::uint64_t{static_cast<unsigned char>(ids[k + b])} << (8 * b);
        p.recipients.push_back(UserId{v});
      }
      out.push_back(std::move(p));
    }
    return out;
  }

  Result<QueueInfo> info(UserId user) const override {
    return pool_.with_connection([&](Connection& c) -> Result<QueueInfo> {
      auto stmt = c.prepare(
          "SELECT q.epoch, q.first_seq, q.head_seq, COALESCE(g.generation, 0) FROM queue_meta q "
          "LEFT JOIN failover_generation g ON g.id = 1 WHERE q.user_id = ?");
      if (!stmt) return fail(stmt.error());
      const Param p[] = {user.value()};
      auto rows = (*stmt)->query(p);
      if (!rows) return fail(rows.error());
      if (rows->empty()) return QueueInfo{};
      auto meta = meta_of(*rows, 0, 0);
      auto generation = rows->u64(0, 3);
      if (!meta || !generation) return fail(errc::corrupt_record);
      learn_generation(*generation);
      return QueueInfo{mariadb::epoch_in_generation(meta->epoch, *generation), meta->first, meta->head};
    });
  }

  Result<std::vector<Update>> read(UserId user, Seq from, std::size_t max_count) const override {
    if (max_count == 0) {
      auto i = info(user);
      if (!i) return fail(i.error());
      if (from < i->first_retained) return fail(core::errc::trimmed);
      return std::vector<Update>{};
    }
    // One statement: the meta and the rows come from one read view, so the rows are exactly
    // the committed queue at that moment.
    auto rows = pool_.with_connection([&](Connection& c) -> Result<Rows> {
      auto stmt = c.prepare(
          "SELECT q.first_seq, q.head_seq, u.seq, u.record FROM queue_meta q "
          "LEFT JOIN queue_updates u ON u.user_id = q.user_id AND u.seq >= ? "
          "WHERE q.user_id = ? ORDER BY u.seq LIMIT ?");
      if (!stmt) return fail(stmt.error());
      const std::uint64_t limit = std::min<std::uint64_t>(max_count, std::uint64_t{1} << 62);
      const Param p[] = {from.value(), user.value(), limit};
      return (*stmt)->query(p);
    });
    if (!rows) return fail(rows.error());
    Meta meta;
    if (!rows->empty()) {
      auto first = rows->u64(0, 0), head = rows->u64(0, 1);
      if (!first || !head) return fail(errc::corrupt_record);
      meta.first = Seq{*first};
      meta.head = Seq{*head};
    }
    if (from < meta.first) return fail(core::errc::trimmed);
    std::vector<Update> out;
    Seq expect = from;
    for (std::size_t i = 0; i < rows->size() && out.size() < max_count; ++i) {
      if (!rows->at(i, 2)) break;  // the LEFT JOIN's row for a queue with nothing from `from`
      auto seq = rows->u64(i, 2);
      if (!seq || Seq{*seq} > meta.head) break;
      if (Seq{*seq} != expect) {
        IRIS_LOG(error, "store", "queue gap in user {}: expected seq {}, found {}", user.value(),
                 expect.value(), *seq);
        return fail(errc::corrupt_record);
      }
      auto u = detail::decode_update(rows->bytes(i, 3), expect);
      if (!u) {
        IRIS_LOG(error, "store", "cannot decode update {}/{}: {}", user.value(), expect.value(),
                 u.error().message());
        return fail(errc::corrupt_record);
      }
      out.push_back(std::move(*u));
      expect = core::next(expect);
    }
    if (out.size() < max_count && expect <= meta.head) {
      IRIS_LOG(error, "store", "queue of user {} ends at seq {} but its head is {}", user.value(),
               expect.value() - 1, meta.head.value());
      return fail(errc::corrupt_record);
    }
    return out;
  }

  Result<std::optional<Seq>> cursor(UserId user, const CursorName& name) const override {
    return pool_.with_connection([&](Connection& c) -> Result<std::optional<Seq>> {
      auto stmt = c.prepare("SELECT seq FROM queue_cursors WHERE user_id = ? AND name = ?");
      if (!stmt) return fail(stmt.error());
      const Param p[] = {user.value(), std::string_view(name.str())};
      auto rows = (*stmt)->query(p);
      if (!rows) return fail(rows.error());
      if (rows->empty()) return std::optional<Seq>{};
      auto seq = rows->u64(0, 0);
      if (!seq) return fail(errc::corrupt_record);
      return std::optional<Seq>{Seq{*seq}};
    });
  }

  Result<std::vector<std::pair<CursorName, Seq>>> cursors(UserId user) const override {
    using Out = std::vector<std::pair<CursorName, Seq>>;
    return pool_.with_connection([&](Connection& c) -> Result<Out> {
      auto stmt = c.prepare("SELECT name, seq FROM queue_cursors WHERE user_id = ? ORDER BY name");
      if (!stmt) return fail(stmt.error());
      const Param p[] = {user.value()};
      auto rows = (*stmt)->query(p);
      if (!rows) return fail(rows.error());
      Out out;
      for (std::size_t i = 0; i < rows->size(); ++i) {
        auto name = CursorName::parse(rows->bytes(i, 0));
        auto seq = rows->u64(i, 1);
        if (!name || !seq) return fail(errc::corrupt_record);
        out.emplace_back(std::move(*name), Seq{*seq});
      }
      return out;
    });
  }

  Result<std::optional<IdempotencyRecord>> find(const IdempotencyKey& k) const override {
    return pool_.with_connection([&](Connection& c) -> Result<std::optional<IdempotencyRecord>> {
      auto stmt = c.prepare(
          "SELECT record FROM queue_idempotency WHERE sender = ? AND client_hi = ? AND client_lo = ?");
      if (!stmt) return fail(stmt.error());
      const Param p[] = {k.sender.value(), k.client_id.hi, k.client_id.lo};
      auto rows = (*stmt)->query(p);
      if (!rows) return fail(rows.error());
      if (rows->empty()) return std::optional<IdempotencyRecord>{};
      auto rec = detail::decode_idempotency(rows->bytes(0, 0));
      if (!rec) return fail(errc::corrupt_record);
      return std::optional<IdempotencyRecord>{std::move(*rec)};
    });
  }

  Result<std::vector<UserId>> users(UserId after, std::size_t max_count) const override {
    if (after.value() == std::numeric_limits<std::uint64_t>::max() || max_count == 0) {
      return std::vector<UserId>{};
    }
    return pool_.with_connection([&](Connection& c) -> Result<std::vector<UserId>> {
      auto stmt = c.prepare("SELECT user_id FROM queue_meta WHERE user_id > ? ORDER BY user_id LIMIT ?");
      if (!stmt) return fail(stmt.error());
      const std::uint64_t limit = std::min<std::uint64_t>(max_count, std::uint64_t{1} << 62);
      const Param p[] = {after.value(), limit};
      auto rows = (*stmt)->query(p);
      if (!rows) return fail(rows.error());
      std::vector<UserId> out;
      for (std::size_t i = 0; i < rows->size(); ++i) {
        auto u = rows->u64(i, 0);
        if (!u) return fail(errc::corrupt_record);
        out.push_back(UserId{*u});
      }
      return out;
    });
  }

  std::uint64_t epoch_generation() const override {
    return epoch_generation_.load(std::memory_order_acquire);
  }

  StoreStats stats() const override {
    StoreStats out;
    out.writable = !refusing_writes_.load(std::memory_order_relaxed);
    out.commits = commit_latency_.read();
    out.semisync_fallbacks = semisync_fallbacks_.load(std::memory_order_relaxed);
    out.not_owner_refusals = not_owner_refusals_.load(std::memory_order_relaxed);
    return out;
  }

 private:
  using AppendOp = detail::AppendOp;
  using CursorOp = detail::CursorOp;
  using TrimOp = detail::TrimOp;
  using Op = detail::QueueOp;
  struct ClaimOp {
    UserId user;
    std::uint64_t term;
    VoidCallback done;
  };

  // What one group reads (prefetched in one round trip, or the store's meta cache) and the
  // SQL of its one transaction, built on the commit thread.
  class GroupTables final : public detail::QueueTables {
   public:
    // Requires: store and conn outlive this object; the caller holds store.state_mu_ while
    // a QueueGroup decides through it.
    GroupTables(MariaDbQueueStore& store, Connection& conn) : store_(store), conn_(conn) {}

    GroupSql sql;
    std::unordered_map<UserId, Meta> metas;  // prefetched; absent ones as Meta{}
    std::map<CursorKey, Seq> cursors;        // prefetched
    std::unordered_map<IdempotencyKey, IdempotencyRecord, core::IdempotencyKeyHash> stored_keys;
    // Fenced groups: prefetch opened the transaction and locked the appended users' owner
    // rows; `foreign` holds those whose row names another server. QueueGroup asks
    // may_append() before writing anything, so their appends are refused whole.
    bool in_transaction = false;
    std::string self;
    std::unordered_map<UserId, fence::OwnerRow> foreign;

    Result<void> may_append(UserId user) override {
      auto it = foreign.find(user);
      if (it == foreign.end()) return {};
      store_.not_owner_refusals_.fetch_add(1, std::memory_order_relaxed);
      IRIS_LOG(warn, "store", "append refused (fencing): user {} is owned by {} (term {}), not by {}",
               user.value(), it->second.owner, it->second.term, self);
      return fail(errc::not_owner);
    }
    Result<Meta> meta(UserId user) override {
      if (auto it = metas.find(user); it != metas.end()) return it->second;
      if (auto it = store_.metas_.find(user); it != store_.metas_.end()) return it->second;
      return Meta{};  // every user of the group was prefetched or cached
    }
    Result<std::optional<Seq>> cursor(UserId user, const CursorName& name) override {
      auto it = cursors.find(CursorKey{user.value(), name.str()});
      if (it == cursors.end()) return std::optional<Seq>{};
      return std::optional<Seq>{it->second};
    }
    Result<std::optional<IdempotencyRecord>> record(const IdempotencyKey& key) override {
      auto it = stored_keys.find(key);
      if (it == stored_keys.end()) return std::optional<IdempotencyRecord>{};
      return std::optional<IdempotencyRecord>{it->second};
    }
    Result<detail::SenderShares::Counts> count_actors(UserId user, Seq first) override {
      return count_actors_on(conn_, user, first);
    }
    void put_update(UserId user, Seq seq, UserId actor, std::string_view record) override {
      sql.add_update(user, seq, actor, record);
    }
    void delete_updates(UserId user, Seq first, Seq last) override {
      sql.add_statement("DELETE FROM queue_updates WHERE user_id = " + num(user.value()) +
                        " AND seq >= " + num(first.value()) + " AND seq <= " + num(last.value()));
    }
    void put_meta(UserId user, const Meta& m) override {
      meta_rows_.push_back('(' + num(user.value()) + ',' + num(m.epoch.value()) + ',' +
                           num(m.first.value()) + ',' + num(m.head.value()) + ')');
    }
    void put_cursor(UserId user, const CursorName& name, Seq seq) override {
      std::string r = '(' + num(user.value()) + ',';
      Connection::append_hex(name.str(), r);
      r += ',' + num(seq.value()) + ')';
      cursor_rows_.push_back(std::move(r));
    }
    void put_record(const IdempotencyKey& key, std::string_view record) override {
      std::string row = '(' + num(key.sender.value()) + ',' + num(key.client_id.hi) + ',' +
                        num(key.client_id.lo) + ',';
      Connection::append_hex(record, row);
      row += ')';
      key_rows_.push_back(std::move(row));
    }
    void put_fanout(UserId sender, Seq seq, const std::vector<UserId>& recipients, std::string_view record) override {
      std::string ids;
      for (auto r : recipients) {
        for (int b = 0; b < 8; ++b) ids.push_back(static_cast<char>(r.value() >> (8 * b)));
      }
      std::string row = '(' + num(sender.value()) + ',' + num(seq.value()) + ',';
      Connection::append_hex(ids, row);
      row += ',';
      Connection::append_hex(record, row);
      row += ')';
      fanout_rows_.push_back(std::move(row));
    }
    void delete_fanout(UserId sender, Seq seq) override { fanout_deletes_.emplace_back(sender, seq); }
    // Adds the metas, cursors and idempotency records to the SQL; after QueueGroup::finish.
    void finish() {
      sql.add_rows("INSERT INTO queue_meta (user_id, epoch, first_seq, head_seq) VALUES ", meta_rows_,
                   " ON DUPLICATE KEY UPDATE epoch = VALUES(epoch), first_seq = VALUES(first_seq), "
                   "head_seq = VALUES(head_seq)");
      sql.add_rows("INSERT INTO queue_cursors (user_id, name, seq) VALUES ", cursor_rows_,
                   " ON DUPLICATE KEY UPDATE seq = GREATEST(seq, VALUES(seq))");
      sql.add_rows("INSERT INTO queue_idempotency (sender, client_hi, client_lo, record) VALUES ",
                   key_rows_, "");
      sql.add_rows("INSERT INTO queue_fanout (sender, seq, recipients, record) VALUES ", fanout_rows_, "");
      // Confirmed rows go in one statement per kFanoutDeleteRows, joined from a derived table
      // of their keys so that each is looked up by its primary key (eq_ref). A DELETE by OR
      // or by row IN is planned as a scan of the (small) table, whose next-key locks deadlock
      // with other servers' inserts; one statement per row costs two binlog events per row,
      // and each event is a synced relay-log write on the replica, the cell's scarcest
      // resource under sends across servers (docs/CLUSTER.md "Sends across servers").
      for (std::size_t at = 0; at < fanout_deletes_.size(); at += kFanoutDeleteRows) {
        std::string keys;
        const auto end = std::min(fanout_deletes_.size(), at + kFanoutDeleteRows);
        for (std::size_t i = at; i < end; ++i) {
          const auto& [sender, seq] = fanout_deletes_[i];
          keys += i == at ? "SELECT " + num(sender.value()) + " AS s, " + num(seq.value()) + " AS q"
                          : " UNION ALL SELECT " + num(sender.value()) + ',' + num(seq.value());
        }
        sql.add_statement("DELETE f FROM (" + keys +
                          ") AS k STRAIGHT_JOIN queue_fanout AS f ON f.sender = k.s AND f.seq = k.q");
      }
    }

   private:
    MariaDbQueueStore& store_;
    Connection& conn_;
    std::vector<std::string> meta_rows_, cursor_rows_, key_rows_, fanout_rows_;
    std::vector<std::pair<UserId, Seq>> fanout_deletes_;
    static constexpr std::size_t kFanoutDeleteRows = 256;
  };

  // queue_fanout.recipients is VARBINARY(8192): 8 bytes per user id.
  static constexpr std::size_t kMaxFanoutRecipients = 1024;

  static Result<Meta> meta_of(const Rows& rows, std::size_t row, std::size_t col) {
    auto epoch = rows.u64(row, col), first = rows.u64(row, col + 1), head = rows.u64(row, col + 2);
    if (!epoch || !first || !head) return fail(errc::corrupt_record);
    return Meta{Epoch{*epoch}, Seq{*first}, Seq{*head}};
  }

  // One commit thread and its connection to the writable server (empty after a failure).
  struct Committer {
    std::optional<Connection> conn;
    std::thread thread;
  };

  void submit(Op op) {
    const auto pushed = queue_.push(op);
    if (pushed == detail::CommitQueue::Push::queued) return;
    const auto ec = make_error_code(pushed == detail::CommitQueue::Push::closed ? errc::closed : errc::overloaded);
    std::visit([&](auto& o) { o.done(fail(ec)); }, op);
  }

  void commit_loop(Committer& c) {
    while (auto taken = queue_.take()) {
      commit_group(c, taken->ops);
      queue_.done(*taken);
    }
  }

  // Forgets the connection and everything cached: after a failure we no longer know what
  // the database holds (a COMMIT may or may not have happened), and the next server may be
  // another one. Groups in flight on other connections hold other users: their metas stay
  // theirs to publish if they commit.
  void drop_connection(Committer& c) {
    c.conn.reset();
    std::lock_guard lock(state_mu_);
    metas_.clear();
    shares_.forget_all();
  }

  // A connection to the writable server, found again if needed; false while none is (then
  // the next search waits the backoff, and writes fail at once meanwhile).
  bool ensure_connection(Committer& committer) {
    if (committer.conn) {
      if (!refusing_writes_.load(std::memory_order_relaxed)) return true;
      // Another commit thread found no writable server since this connection was made: search
      // again like it, so that the search that succeeds is what reopens writes (stats, the
      // pool's reads) and no thread keeps writing to a server it has not checked.
      committer.conn.reset();
    }
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(state_mu_);
      if (now < next_attempt_) return false;
    }
    auto c = pool_.find_writable();
    std::lock_guard lock(state_mu_);
    if (!c) {
      if (!refusing_writes_.exchange(true, std::memory_order_relaxed)) {
        IRIS_LOG(error, "store", "no writable MariaDB server: writes fail with unavailable until one is found");
      }
      next_attempt_ = now + backoff_;
      backoff_ = std::min(backoff_ * 2, pool_.options().retry_backoff_max);
      return false;
    }
    if (refusing_writes_.exchange(false, std::memory_order_relaxed)) {
      IRIS_LOG(warn, "store", "writing to MariaDB at {} again", c->server().str());
    }
    backoff_ = pool_.options().retry_backoff;
    committer.conn.emplace(std::move(*c));
    return true;
  }

  // Runs waiting claims, each group of them in a transaction of its own on the claim
  // connection. A claimed user's cached meta and sender shares are dropped, so its queue is
  // read again from the database by the next group (the claimer submits the user's appends
  // only once the claim answered: cluster/owned_queue_store.h).
  void claim_loop() {
    std::optional<Connection> conn;
    std::deque<ClaimOp> claims;
    for (;;) {
      std::string self;
      {
        std::unique_lock lock(claim_mu_);
        claim_cv_.wait(lock, [&] { return claims_closed_ || !claims_.empty(); });
        if (claims_.empty()) return;  // closed and drained
        claims.swap(claims_);
        self = fence_owner_;
      }
      if (self.empty()) {  // not fenced: one writer, nothing to claim
        for (auto& c : claims) c.done(Result<void>{});
        claims.clear();
        continue;
      }
      std::vector<fence::Claim> wanted;
      for (const auto& c : claims) wanted.push_back({c.user, c.term});
      Result<std::unordered_map<UserId, fence::OwnerRow>> rows = fail(errc::unavailable);
      for (int attempt = 0; attempt < 2 && !rows; ++attempt) {
        if (!conn) {
          auto found = pool_.find_writable();
          if (!found) break;
          conn.emplace(std::move(*found));
        }
        rows = fence::run_claims(*conn, wanted, self, pool_.options().claim_wait);
        if (!rows) conn.reset();  // rolls the claim back
      }
      {
        std::lock_guard lock(state_mu_);
        for (const auto& c : claims) {
          metas_.erase(c.user);
          shares_.forget(c.user);
        }
      }
      for (auto& c : claims) {
        const auto it = rows ? rows->find(c.user) : decltype(rows->find(c.user)){};
        if (!rows) {
          c.done(fail(errc::unavailable));
        } else if (it != rows->end() && it->second.owner == self) {
          c.done(Result<void>{});
        } else {
          IRIS_LOG(warn, "store", "claim of user {} at term {} refused: {} holds it at term {}", c.user.value(),
                   c.term, it != rows->end() ? it->second.owner : "nobody", it != rows->end() ? it->second.term : 0);
          c.done(fail(errc::not_owner));
        }
      }
      claims.clear();
    }
  }

  void commit_group(Committer& c, std::vector<Op>& ops) {
    std::optional<GroupTables> tables;
    // Reading is safe to repeat: after a broken connection (the primary just changed), try
    // once more on the newly found writable server before failing the group.
    bool prefetched = false;
    for (int attempt = 0; attempt < 2 && !prefetched; ++attempt) {
      if (!ensure_connection(c)) break;
      tables.emplace(*this, *c.conn);
      if (prefetch(*c.conn, *tables, ops)) prefetched = true;
      else drop_connection(c);
    }
    if (!prefetched) return detail::fail_all(ops, make_error_code(errc::unavailable));

    // Deciding is quick (no round trip unless a sender share needs its scan); the shares,
    // the epoch generator and the meta cache are shared by the commit threads.
    detail::QueueGroup g({options_.max_queue_length, mariadb::kMaxCursorName, kMaxFanoutRecipients}, shares_, epoch_rng_, *tables);
    {
      std::lock_guard lock(state_mu_);
      for (Op& op : ops) g.apply(op);
      g.finish();
    }
    tables->finish();
    if (tables->in_transaction) tables->sql.continue_transaction();

    std::error_code write_error;
    if (!g.has_writes() && tables->in_transaction && !c.conn->execute("ROLLBACK")) {
      drop_connection(c);  // releases the owner rows either way
    }
    if (g.has_writes()) {
      const auto started = std::chrono::steady_clock::now();
      auto r = tables->sql.run(*c.conn);
      commit_latency_.record(std::chrono::steady_clock::now() - started);
      if (!r) {
        IRIS_LOG(error, "store", "group commit of {} operations on MariaDB at {} failed; looking for the writable server again",
                 ops.size(), c.conn->server().str());
        write_error = r.error();
        drop_connection(c);
      } else {
        std::lock_guard lock(state_mu_);
        for (const auto& [user, meta] : g.metas()) {
          if (meta.epoch.value() != 0) metas_[user] = meta;
        }
      }
    }
    g.complete(write_error);
  }

  // Reads in one round trip everything the group's decisions need that is not cached:
  // whether the server is still writable, metas, idempotency records, cursors.
  bool prefetch(Connection& conn, GroupTables& g, const std::vector<Op>& ops) {
    std::vector<std::uint64_t> users;
    std::vector<const IdempotencyKey*> keys;
    std::vector<CursorKey> cursor_keys;
    std::unique_lock state(state_mu_);
    const auto need_meta = [&](UserId u) {
      if (!metas_.count(u)) users.push_back(u.value());
    };
    for (const Op& op : ops) {
      if (const auto* a = std::get_if<AppendOp>(&op)) {
        for (const auto& e : a->request.entries) need_meta(e.user);
        if (a->request.idempotency) keys.push_back(&*a->request.idempotency);
      } else if (const auto* c = std::get_if<CursorOp>(&op)) {
        need_meta(c->user);
        if (c->name.str().size() <= mariadb::kMaxCursorName) cursor_keys.emplace_back(c->user.value(), c->name.str());
      } else if (const auto* t = std::get_if<TrimOp>(&op)) {
        need_meta(t->user);
        cursor_keys.emplace_back(t->user.value(), CursorName::storage().str());
      }
    }
    std::sort(users.begin(), users.end());
    users.erase(std::unique(users.begin(), users.end()), users.end());

    // Fenced: the transaction starts here, and the appended users' owner rows are locked
    // before any other read, so the reads below and the group's writes see every commit of a
    // previous owner, and a claim waits for this group's COMMIT.
    std::vector<std::uint64_t> appended;
    if (fenced_.load(std::memory_order_acquire)) {
      {
        std::lock_guard lock(claim_mu_);
        g.self = fence_owner_;
      }
      for (const Op& op : ops) {
        if (const auto* a = std::get_if<AppendOp>(&op)) {
          for (const auto& e : a->request.entries) appended.push_back(e.user.value());
        }
      }
    }
    std::string q;
    if (!appended.empty()) q = "START TRANSACTION;" + fence::lock_owners_sql(appended) + ';';
    q += "SELECT @@global.read_only, (SELECT COALESCE(MAX(generation), 0) FROM failover_generation)";
    if (!users.empty()) {
      q += ";SELECT user_id, epoch, first_seq, head_seq FROM queue_meta WHERE user_id IN (";
      for (std::size_t i = 0; i < users.size(); ++i) q += (i ? "," : "") + num(users[i]);
      q += ')';
    }
    if (!keys.empty()) {
      q += ";SELECT sender, client_hi, client_lo, record FROM queue_idempotency WHERE ";
      for (std::size_t i = 0; i < keys.size(); ++i) {
        q += (i ? " OR " : "") + std::string("(sender = ") + num(keys[i]->sender.value()) +
             " AND client_hi = " + num(keys[i]->client_id.hi) + " AND client_lo = " +
             num(keys[i]->client_id.lo) + ')';
      }
    }
    if (!cursor_keys.empty()) {
      q += ";SELECT user_id, name, seq FROM queue_cursors WHERE ";
      for (std::size_t i = 0; i < cursor_keys.size(); ++i) {
        q += (i ? " OR " : "") + std::string("(user_id = ") + num(cursor_keys[i].first) + " AND name = ";
        Connection::append_hex(cursor_keys[i].second, q);
        q += ')';
      }
    }
    state.unlock();
    auto results = conn.query(q);
    if (!results) return false;
    std::size_t next = 0;
    if (!appended.empty()) {
      g.in_transaction = true;
      next = 1;  // START TRANSACTION's empty result
      auto owners = fence::owner_rows((*results)[next++]);
      if (!owners) return false;
      for (auto& [user, row] : *owners) {
        if (row.owner != g.self) g.foreign.emplace(user, std::move(row));
      }
    }
    const auto& ro = (*results)[next++];
    if (ro.size() != 1 || ro.u64(0, 0).value_or(1) != 0) {
      IRIS_LOG(warn, "store", "MariaDB at {} is read-only now: looking for the writable server",
               conn.server().str());
      return false;
    }
    state.lock();
    if (const auto generation = ro.u64(0, 1).value_or(0); generation != generation_) {
      if (generation_known_) {
        IRIS_LOG(warn, "store",
                 "MariaDB failover generation {} -> {}: a promotion may have lost acknowledged "
                 "writes, so every queue's epoch changed and devices resync",
                 generation_, generation);
      }
      generation_ = generation;
    }
    generation_known_ = true;
    learn_generation(generation_);
    state.unlock();
    if (!users.empty()) {
      const Rows& rows = (*results)[next++];
      for (std::size_t i = 0; i < rows.size(); ++i) {
        auto user = rows.u64(i, 0);
        auto meta = meta_of(rows, i, 1);
        if (!user || !meta) return false;
        g.metas.emplace(UserId{*user}, *meta);
      }
      for (auto u : users) g.metas.emplace(UserId{u}, Meta{});  // absent: no queue yet
    }
    if (!keys.empty()) {
      const Rows& rows = (*results)[next++];
      for (std::size_t i = 0; i < rows.size(); ++i) {
        auto sender = rows.u64(i, 0), hi = rows.u64(i, 1), lo = rows.u64(i, 2);
        auto rec = detail::decode_idempotency(rows.bytes(i, 3));
        if (!sender || !hi || !lo || !rec) return false;
        g.stored_keys.emplace(IdempotencyKey{UserId{*sender}, core::ClientMsgId{*hi, *lo}}, std::move(*rec));
      }
    }
    if (!cursor_keys.empty()) {
      const Rows& rows = (*results)[next++];
      for (std::size_t i = 0; i < rows.size(); ++i) {
        auto user = rows.u64(i, 0), seq = rows.u64(i, 2);
        if (!user || !seq) return false;
        g.cursors.emplace(CursorKey{*user, std::string(rows.bytes(i, 1))}, Seq{*seq});
      }
    }
    return true;
  }

  // The actors of `user`'s committed updates from `first` on (the sender shares' scan).
  // The pair watch: every MariaDbOptions::watch_interval, the writable server's semi-sync
  // status and the failover generation, read through the pool (one query) on this thread.
  void watch_loop() {
    std::unique_lock lock(watch_mu_);
    while (!watch_stop_) {
      lock.unlock();
      watch_once();
      lock.lock();
      watch_cv_.wait_for(lock, pool_.options().watch_interval, [&] { return watch_stop_; });
    }
  }

  void watch_once() {
    struct Seen {
      std::string server;
      std::vector<Rows> rows;
    };
    auto seen = pool_.with_connection([&](Connection& c) -> Result<Seen> {
      auto rows = c.query(
          "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status', "
          "'Rpl_semi_sync_master_no_tx');"
          "SELECT COALESCE(MAX(generation), 0) FROM failover_generation");
      if (!rows) return fail(rows.error());
      return Seen{c.server().str(), std::move(*rows)};
    });
    if (!seen || seen->rows.size() != 2) return;  // the commit threads report a lost database
    if (auto generation = seen->rows[1].u64(0, 0)) learn_generation(*generation);
    mariadb::detail::SemiSyncSample sample{seen->server, false, 0};
    const Rows& status = seen->rows[0];
    for (std::size_t i = 0; i < status.size(); ++i) {
      if (status.bytes(i, 0) == "Rpl_semi_sync_master_status") sample.on = status.bytes(i, 1) == "ON";
      if (status.bytes(i, 0) == "Rpl_semi_sync_master_no_tx") sample.no_tx = status.u64(i, 1).value_or(0);
    }
    if (semisync_.observe(sample)) {
      semisync_fallbacks_.fetch_add(1, std::memory_order_relaxed);
      IRIS_LOG(error, "store",
               "MariaDB primary {}: semi-sync fell back to asynchronous replication ({} commits "
               "without a replica's acknowledgement): writes acknowledged meanwhile may be on the "
               "primary only; the next failover bumps the failover generation",
               sample.server, sample.no_tx);
    }
  }

  // Publishes the highest failover generation seen (it only grows: the failover tools raise it).
  void learn_generation(std::uint64_t generation) const {
    auto seen = epoch_generation_.load(std::memory_order_relaxed);
    while (generation > seen &&
           !epoch_generation_.compare_exchange_weak(seen, generation, std::memory_order_acq_rel)) {
    }
  }

  static Result<detail::SenderShares::Counts> count_actors_on(Connection& conn, UserId user, Seq first) {
    auto rows = conn.query_one("SELECT actor, COUNT(*) FROM queue_updates WHERE user_id = " +
                                 num(user.value()) + " AND seq >= " + num(first.value()) +
                                 " GROUP BY actor");
    if (!rows) return fail(rows.error());
    detail::SenderShares::Counts counts;
    for (std::size_t i = 0; i < rows->size(); ++i) {
      auto actor = rows->u64(i, 0), n = rows->u64(i, 1);
      if (!actor || !n) return fail(errc::corrupt_record);
      counts[UserId{*actor}] = *n;
    }
    return counts;
  }

  const StoreOptions options_;
  mutable ConnectionPool pool_;  // reads; and finds the writable server for the commit threads
  detail::CommitQueue queue_;
  std::vector<Committer> committers_;  // each thread owns its element; started last

  // Written by the commit thread, read by stats() on any thread.
  CommitLatency commit_latency_;
  std::atomic<bool> refusing_writes_{false};
  std::atomic<std::uint64_t> not_owner_refusals_{0};

  // Ownership fencing (fence_as, async_claim).
  std::mutex claim_mu_;
  std::condition_variable claim_cv_;
  std::deque<ClaimOp> claims_;   // guarded by claim_mu_
  bool claims_closed_ = false;   // guarded by claim_mu_
  std::string fence_owner_;      // guarded by claim_mu_; empty: not fenced
  std::atomic<bool> fenced_{false};
  std::thread claimer_;          // started in the constructor's body
  // The failover generation as last read by any thread (epoch_generation()).
  mutable std::atomic<std::uint64_t> epoch_generation_{0};
  std::atomic<std::uint64_t> semisync_fallbacks_{0};

  // The pair watch (watch_loop): its thread, its stop flag and its detector.
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool watch_stop_ = false;  // guarded by watch_mu_
  mariadb::detail::SemiSyncWatch semisync_;  // owned by the watch thread
  std::thread watcher_;

  // Shared by the commit threads. Each group's users are its own while it is in flight
  // (CommitQueue), so the entries a group reads and publishes are no other group's; the maps
  // themselves, the generator and the backoff are guarded.
  std::mutex state_mu_;
  std::unordered_map<UserId, Meta> metas_;  // guarded by state_mu_; committed metas, cleared on failure
  detail::SenderShares shares_;             // guarded by state_mu_; committed counts, plus groups'
  std::uint64_t generation_ = 0;            // guarded by state_mu_; the failover generation last seen
  bool generation_known_ = false;           // guarded by state_mu_
  std::chrono::milliseconds backoff_;       // guarded by state_mu_
  std::chrono::steady_clock::time_point next_attempt_{};  // guarded by state_mu_
  std::mt19937_64 epoch_rng_;               // guarded by state_mu_
};

}  // namespace

Result<std::unique_ptr<QueueStore>> open_mariadb_queue_store(const StoreOptions& options,
                                                             const MariaDbOptions& mariadb) {
  for (const auto& s : mariadb.servers) {
    if (!mariadb::parse_server(s)) {
      IRIS_LOG(error, "store", "mariadb server address '{}' is not host:port", s);
      return fail(errc::open_failed);
    }
  }
  if (mariadb.servers.empty() || mariadb.pool_size == 0) {
    IRIS_LOG(error, "store", "mariadb needs at least one server and a pool of at least one connection");
    return fail(errc::open_failed);
  }
  ConnectionPool finder(mariadb);
  auto conn = finder.find_writable();
  if (!conn) {
    IRIS_LOG(error, "store", "no writable MariaDB server among {} (database '{}', user '{}')",
             fmt::join(mariadb.servers, ", "), mariadb.database, mariadb.user);
    return fail(errc::open_failed);
  }
  if (auto r = mariadb::ensure_queue_schema(*conn); !r) {
    return fail(r.error() == errc::open_failed ? r.error() : make_error_code(errc::open_failed));
  }
  return std::unique_ptr<QueueStore>(std::make_unique<MariaDbQueueStore>(options, mariadb, std::move(*conn)));
}

}  // namespace iris::store
