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
#include <variant>

#include <fmt/format.h>

#include "base/log.h"
#include "base/thread_name.h"
#include "core/errc.h"
#include "store/detail/record_codec.h"
#include "store/detail/sender_shares.h"
#include "store/errc.h"
#include "store/mariadb/connection_pool.h"
#include "store/mariadb/detail/group_sql.h"
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
using CursorKey = std::pair<std::uint64_t, std::string>;  // user, cursor name

class MariaDbQueueStore final : public QueueStore {
 public:
  MariaDbQueueStore(const StoreOptions& options, const MariaDbOptions& mariadb, Connection conn)
      : options_(options), pool_(mariadb), conn_(std::move(conn)), shares_(options.max_sender_share),
        backoff_(mariadb.retry_backoff), epoch_rng_(std::random_device{}()) {
    committer_ = std::thread([this] {
      name_this_thread("iris-commit");
      commit_loop();
    });
  }

  ~MariaDbQueueStore() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    committer_.join();  // drains every pending operation first
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

  StoreStats stats() const override {
    StoreStats out;
    out.writable = !refusing_writes_.load(std::memory_order_relaxed);
    out.commits = commit_latency_.read();
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

  // State of one group commit, built on the commit thread; metas are published to the cache
  // only once the transaction committed.
  struct Group {
    GroupSql sql;
    std::unordered_map<UserId, Meta> metas;
    std::unordered_map<UserId, bool> dirty;  // metas to write back
    std::map<CursorKey, Seq> cursors;         // read from the database, then as the group moves them
    std::map<CursorKey, bool> cursors_dirty;
    std::unordered_map<IdempotencyKey, IdempotencyRecord, core::IdempotencyKeyHash> stored_keys;
    std::unordered_map<IdempotencyKey, AppendResult, core::IdempotencyKeyHash> keys;  // this group's
    std::vector<std::string> key_rows;
    std::vector<std::function<void(std::error_code)>> completions;
    std::string scratch;
  };

  static Result<Meta> meta_of(const Rows& rows, std::size_t row, std::size_t col) {
    auto epoch = rows.u64(row, col), first = rows.u64(row, col + 1), head = rows.u64(row, col + 2);
    if (!epoch || !first || !head) return fail(errc::corrupt_record);
    return Meta{Epoch{*epoch}, Seq{*first}, Seq{*head}};
  }

  void submit(Op op) {
    std::unique_lock lock(mu_);
    if (stopping_ || pending_.size() >= options_.max_pending) {
      const auto ec = make_error_code(stopping_ ? errc::closed : errc::overloaded);
      lock.unlock();
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
        cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
        if (stopping_ && pending_.empty()) return;  // everything is drained
        const std::size_t n = std::min(pending_.size(), options_.max_group);
        ops.clear();
        for (std::size_t i = 0; i < n; ++i) {
          ops.push_back(std::move(pending_.front()));
          pending_.pop_front();
        }
      }
      commit_group(ops);
    }
  }

  static void fail_all(std::vector<Op>& ops, std::error_code ec) {
    for (Op& op : ops) std::visit([&](auto& o) { o.done(fail(ec)); }, op);
  }

  // Forgets the connection and everything cached from it: after a failure we no longer know
  // what the database holds (a COMMIT may or may not have happened), and the next server
  // may be another one.
  void drop_connection() {
    conn_.reset();
    metas_.clear();
    shares_.forget_all();
  }

  // A connection to the writable server, found again if needed; false while none is (then
  // the next search waits the backoff, and writes fail at once meanwhile).
  bool ensure_connection() {
    if (conn_) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now < next_attempt_) return false;
    auto c = pool_.find_writable();
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
    conn_.emplace(std::move(*c));
    return true;
  }

  void commit_group(std::vector<Op>& ops) {
    Group g;
    // Reading is safe to repeat: after a broken connection (the primary just changed), try
    // once more on the newly found writable server before failing the group.
    bool prefetched = false;
    for (int attempt = 0; attempt < 2 && !prefetched; ++attempt) {
      if (!ensure_connection()) break;
      g = Group{};
      if (prefetch(g, ops)) prefetched = true;
      else drop_connection();
    }
    if (!prefetched) return fail_all(ops, make_error_code(errc::unavailable));

    for (Op& op : ops) std::visit([&](auto& o) { apply(g, o); }, op);
    write_back(g);

    std::error_code write_error;
    if (!g.sql.empty()) {
      const auto started = std::chrono::steady_clock::now();
      auto r = g.sql.run(*conn_);
      commit_latency_.record(std::chrono::steady_clock::now() - started);
      if (!r) {
        IRIS_LOG(error, "store", "group commit of {} operations on MariaDB at {} failed; looking for the writable server again",
                 ops.size(), conn_->server().str());
        write_error = r.error();
        drop_connection();
      } else {
        for (auto& [user, meta] : g.metas) {
          if (meta.epoch.value() != 0) metas_[user] = meta;
        }
      }
    }
    for (auto& complete : g.completions) complete(write_error);
  }

  // Reads in one round trip everything the group's decisions need that is not cached:
  // whether the server is still writable, metas, idempotency records, cursors.
  bool prefetch(Group& g, const std::vector<Op>& ops) {
    std::vector<std::uint64_t> users;
    std::vector<const IdempotencyKey*> keys;
    std::vector<CursorKey> cursor_keys;
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

    std::string q = "SELECT @@global.read_only, (SELECT COALESCE(MAX(generation), 0) FROM failover_generation)";
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
    auto results = conn_->query(q);
    if (!results) return false;
    std::size_t next = 0;
    const auto& ro = (*results)[next++];
    if (ro.size() != 1 || ro.u64(0, 0).value_or(1) != 0) {
      IRIS_LOG(warn, "store", "MariaDB at {} is read-only now: looking for the writable server",
               conn_->server().str());
      return false;
    }
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

  void write_back(Group& g) {
    std::vector<std::string> rows;
    for (const auto& [user, dirty] : g.dirty) {
      const Meta& m = g.metas.at(user);
      rows.push_back('(' + num(user.value()) + ',' + num(m.epoch.value()) + ',' + num(m.first.value()) +
                     ',' + num(m.head.value()) + ')');
    }
    g.sql.add_rows("INSERT INTO queue_meta (user_id, epoch, first_seq, head_seq) VALUES ", rows,
                   " ON DUPLICATE KEY UPDATE epoch = VALUES(epoch), first_seq = VALUES(first_seq), "
                   "head_seq = VALUES(head_seq)");
    rows.clear();
    for (const auto& [key, dirty] : g.cursors_dirty) {
      std::string r = '(' + num(key.first) + ',';
      Connection::append_hex(key.second, r);
      r += ',' + num(g.cursors.at(key).value()) + ')';
      rows.push_back(std::move(r));
    }
    g.sql.add_rows("INSERT INTO queue_cursors (user_id, name, seq) VALUES ", rows,
                   " ON DUPLICATE KEY UPDATE seq = GREATEST(seq, VALUES(seq))");
    g.sql.add_rows("INSERT INTO queue_idempotency (sender, client_hi, client_lo, record) VALUES ",
                   g.key_rows, "");
  }

  // The actors of `user`'s committed updates from `first` on (the sender shares' scan).
  Result<detail::SenderShares::Counts> count_actors(UserId user, Seq first) {
    auto rows = conn_->query_one("SELECT actor, COUNT(*) FROM queue_updates WHERE user_id = " +
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

  // The meta of `user` as this group sees it (prefetched or cached). A queue that does not
  // exist yet gets an epoch when `create` is set.
  Meta& meta_for(Group& g, UserId user, bool create) {
    auto it = g.metas.find(user);
    if (it == g.metas.end()) {
      auto cached = metas_.find(user);
      it = g.metas.emplace(user, cached != metas_.end() ? cached->second : Meta{}).first;
    }
    Meta& meta = it->second;
    if (create && meta.epoch.value() == 0) {
      do meta.epoch = core::Epoch{epoch_rng_()}; while (meta.epoch.value() == 0);
      g.dirty[user] = true;
    }
    return meta;
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
    if (op.request.entries.empty()) return complete_now<AppendResult>(g, op.done, fail(errc::invalid_request));
    const auto& key = op.request.idempotency;
    if (key) {
      if (auto it = g.keys.find(*key); it != g.keys.end()) {
        AppendResult dup = it->second;
        dup.duplicate = true;
        return complete_after_write(g, op.done, std::move(dup));
      }
      if (auto it = g.stored_keys.find(*key); it != g.stored_keys.end()) {
        return complete_now<AppendResult>(g, op.done, AppendResult{it->second.positions, true});
      }
    }
    // Check every queue's limit before touching any, so a refusal changes nothing.
    std::vector<std::pair<Meta*, std::uint64_t>> counts;  // few users per request: linear is fine
    for (const auto& e : op.request.entries) {
      Meta* meta = &meta_for(g, e.user, false);
      auto it = std::find_if(counts.begin(), counts.end(), [&](auto& c) { return c.first == meta; });
      if (it == counts.end()) counts.emplace_back(meta, 1);
      else ++it->second;
    }
    for (const auto& [meta, n] : counts) {
      const std::uint64_t retained = meta->head.value() + 1 - meta->first.value();
      if (retained + n > options_.max_queue_length) {
        return complete_now<AppendResult>(g, op.done, fail(core::errc::queue_full));
      }
    }
    std::vector<std::tuple<UserId, UserId, std::uint64_t>> by_actor;  // (owner, actor) -> n
    for (const auto& e : op.request.entries) {
      auto it = std::find_if(by_actor.begin(), by_actor.end(), [&](const auto& t) {
        return std::get<0>(t) == e.user && std::get<1>(t) == e.update.actor;
      });
      if (it == by_actor.end()) by_actor.emplace_back(e.user, e.update.actor, 1);
      else ++std::get<2>(*it);
    }
    for (const auto& [owner, actor, n] : by_actor) {
      const Meta& meta = meta_for(g, owner, false);
      const std::uint64_t retained = meta.head.value() + 1 - meta.first.value();
      const Seq first = meta.first;
      auto ok = shares_.check(owner, retained, actor, n, [&](UserId u) { return count_actors(u, first); });
      if (!ok) return complete_now<AppendResult>(g, op.done, fail(ok.error()));
    }
    AppendResult result;
    result.positions.reserve(op.request.entries.size());
    for (auto& e : op.request.entries) {
      Meta& meta = meta_for(g, e.user, true);
      meta.head = core::next(meta.head);
      g.dirty[e.user] = true;
      e.update.seq = meta.head;
      g.scratch.clear();
      detail::encode_update(e.update, g.scratch);
      g.sql.add_update(e.user, meta.head, e.update.actor, g.scratch);
      result.positions.push_back({e.user, meta.head});
    }
    for (const auto& [owner, actor, n] : by_actor) shares_.added(owner, actor, n);
    if (key) {
      g.scratch.clear();
      const core::IdempotencyRecord record{op.request.entries.front().update.time, result.positions};
      detail::encode_idempotency(record, g.scratch);
      std::string row = '(' + num(key->sender.value()) + ',' + num(key->client_id.hi) + ',' +
                        num(key->client_id.lo) + ',';
      Connection::append_hex(g.scratch, row);
      row += ')';
      g.key_rows.push_back(std::move(row));
      g.keys.emplace(*key, result);
    }
    complete_after_write(g, op.done, std::move(result));
  }

  void apply(Group& g, CursorOp& op) {
    if (op.name.str().size() > mariadb::kMaxCursorName) {
      return complete_now<Seq>(g, op.done, fail(errc::invalid_request));
    }
    const Meta& meta = meta_for(g, op.user, false);
    if (op.to > meta.head) return complete_now<Seq>(g, op.done, fail(core::errc::cursor_beyond_head));
    if (meta.epoch.value() == 0) return complete_now<Seq>(g, op.done, Result<Seq>(Seq{0}));
    const CursorKey key{op.user.value(), op.name.str()};
    if (auto it = g.cursors.find(key); it != g.cursors.end() && it->second >= op.to) {
      return complete_now<Seq>(g, op.done, Result<Seq>(it->second));
    }
    g.cursors[key] = op.to;
    g.cursors_dirty[key] = true;
    complete_after_write(g, op.done, op.to);
  }

  void apply(Group& g, TrimOp& op) {
    using Count = std::size_t;
    Meta& m = meta_for(g, op.user, false);
    const auto storage = g.cursors.find(CursorKey{op.user.value(), CursorName::storage().str()});
    if (storage == g.cursors.end() || storage->second < op.up_to) {
      return complete_now<Count>(g, op.done, fail(core::errc::trim_past_storage_cursor));
    }
    if (op.up_to < m.first) return complete_now<Count>(g, op.done, Result<Count>(0));
    shares_.forget(op.user);
    const Count dropped = op.up_to.value() + 1 - m.first.value();
    g.sql.add_statement("DELETE FROM queue_updates WHERE user_id = " + num(op.user.value()) +
                        " AND seq >= " + num(m.first.value()) + " AND seq <= " + num(op.up_to.value()));
    m.first = core::next(op.up_to);
    g.dirty[op.user] = true;
    complete_after_write(g, op.done, dropped);
  }

  const StoreOptions options_;
  mutable ConnectionPool pool_;  // reads; and finds the writable server for the commit thread

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Op> pending_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_

  // Written by the commit thread, read by stats() on any thread.
  CommitLatency commit_latency_;
  std::atomic<bool> refusing_writes_{false};

  // Owned by the commit thread.
  std::optional<Connection> conn_;  // to the writable server; empty after a failure
  std::unordered_map<UserId, Meta> metas_;  // committed metas; cleared with conn_
  detail::SenderShares shares_;             // counts of committed updates, plus this group's
  std::uint64_t generation_ = 0;  // the failover generation last seen
  bool generation_known_ = false;
  std::chrono::milliseconds backoff_;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::mt19937_64 epoch_rng_;
  std::thread committer_;  // last: starts after everything it uses exists
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
