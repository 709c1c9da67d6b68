#include "store/mariadb/mariadb_social_store.h"

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "store/errc.h"
#include "store/mariadb/connection_pool.h"
#include "store/mariadb/social_schema.h"

namespace iris::store {
namespace {

using core::UserId;
using mariadb::Connection;
using mariadb::Param;
using mariadb::Rows;

// A stored small number as the enum it encodes; `fallback` for a value this build does not
// know (a newer irisd's), as the SQLite store reads them.
template <typename E>
E as_enum(const Rows& rows, std::size_t row, std::size_t col, std::uint8_t max, E fallback) {
  auto v = rows.u64(row, col);
  return v && *v <= max ? static_cast<E>(*v) : fallback;
}

// Recipients of a send checked with a prepared statement (one per count up to this).
constexpr std::size_t kPreparedOwners = 8;

// The block check for `n` recipients (1 <= n <= kPreparedOwners): the sender, then the
// recipients. relation 2 is core::Relation::blocked.
const std::string& blocked_by_sql(std::size_t n) {
  static const auto sqls = [] {
    std::vector<std::string> v(kPreparedOwners + 1);
    for (std::size_t k = 1; k <= kPreparedOwners; ++k) {
      v[k] = "SELECT owner FROM social_relations WHERE other = ? AND relation = 2 AND owner IN (?";
      for (std::size_t i = 1; i < k; ++i) v[k] += ",?";
      v[k] += ')';
    }
    return v;
  }();
  return sqls[n];
}
static_assert(static_cast<int>(core::Relation::blocked) == 2);

// Ends a transaction that did not commit: rolled back, or dropped with its broken connection
// (the server rolls back a transaction whose connection closes).
struct RollbackUnlessCommitted {
  Connection& c;
  bool committed = false;
  ~RollbackUnlessCommitted() {
    if (!committed && !c.broken()) (void)c.execute("ROLLBACK");
  }
};

class MariaDbSocialStore final : public SocialStore {
 public:
  MariaDbSocialStore(const MariaDbOptions& options, core::GroupAdd group_add_default)
      : pool_(options), group_add_default_(group_add_default) {}

  bool cell_wide() const override { return true; }

  Result<core::Relation> relation(UserId owner, UserId other) const override {
    return with_schema([&](Connection& c) -> Result<core::Relation> {
      const Param p[] = {owner.value(), other.value()};
      auto rows = c.query("SELECT relation FROM social_relations WHERE owner = ? AND other = ?", p);
      if (!rows) return fail(rows.error());
      if (rows->empty()) return core::Relation::none;
      return as_enum(*rows, 0, 0, core::kMaxRelation, core::Relation::none);
    });
  }

  Result<core::RecipientView> view(UserId recipient, UserId actor) const override {
    return with_schema([&](Connection& c) -> Result<core::RecipientView> {
      // One round trip: both are read by primary key; a missing row reads as NULL.
      const Param p[] = {recipient.value(), actor.value(), recipient.value()};
      auto rows = c.query("SELECT (SELECT relation FROM social_relations WHERE owner = ? AND other = ?), "
                          "(SELECT group_add FROM social_settings WHERE owner = ?)",
                          p);
      if (!rows) return fail(rows.error());
      if (rows->empty()) return fail(errc::corrupt_record);
      core::RecipientView v{core::Relation::none, group_add_default_};
      if (rows->at(0, 0)) v.actor_is = as_enum(*rows, 0, 0, core::kMaxRelation, core::Relation::none);
      if (rows->at(0, 1)) v.group_add = as_enum(*rows, 0, 1, core::kMaxGroupAdd, group_add_default_);
      return v;
    });
  }

  Result<std::vector<UserId>> blocked_by(UserId actor, std::span<const UserId> owners) const override {
    if (owners.empty()) return std::vector<UserId>{};
    return with_schema([&](Connection& c) -> Result<std::vector<UserId>> {
      // A prepared statement for the usual few recipients (a thread of two has one): the
      // server does not parse it again on every send. More recipients: one text query
      // (numbers only, so safe), rather than a cached statement per count.
      Result<Rows> rows;
      if (owners.size() <= kPreparedOwners) {
        std::vector<Param> params{actor.value()};
        for (auto o : owners) params.emplace_back(o.value());
        rows = c.query(blocked_by_sql(owners.size()), params);
      } else {
        std::string sql = "SELECT owner FROM social_relations WHERE other = " + std::to_string(actor.value()) +
                          " AND relation = 2 AND owner IN (";
        for (std::size_t i = 0; i < owners.size(); ++i) {
          sql += (i ? "," : "") + std::to_string(owners[i].value());
        }
        sql += ')';
        rows = c.query_one(sql);
      }
      if (!rows) return fail(rows.error());
      std::vector<UserId> out;
      for (std::size_t i = 0; i < rows->size(); ++i) {
        auto owner = rows->u64(i, 0);
        if (!owner) return fail(owner.error());
        out.push_back(UserId{*owner});
      }
      return out;
    });
  }

  Result<SocialState> state(UserId owner) const override {
    return with_schema([&](Connection& c) -> Result<SocialState> {
      const Param p[] = {owner.value()};
      auto rows = c.query("SELECT other, relation FROM social_relations WHERE owner = ? ORDER BY other", p);
      if (!rows) return fail(rows.error());
      SocialState s;
      for (std::size_t i = 0; i < rows->size(); ++i) {
        auto other = rows->u64(i, 0);
        if (!other) return fail(other.error());
        const auto r = as_enum(*rows, i, 1, core::kMaxRelation, core::Relation::none);
        if (r == core::Relation::contact) s.contacts.push_back(UserId{*other});
        if (r == core::Relation::blocked) s.blocked.push_back(UserId{*other});
      }
      auto g = c.query("SELECT group_add FROM social_settings WHERE owner = ?", p);
      if (!g) return fail(g.error());
      s.group_add = g->empty() ? group_add_default_ : as_enum(*g, 0, 0, core::kMaxGroupAdd, group_add_default_);
      return s;
    });
  }

  Result<std::map<core::ThreadId, core::Folder>> folders(UserId owner) const override {
    return with_schema([&](Connection& c) -> Result<std::map<core::ThreadId, core::Folder>> {
      const Param p[] = {owner.value()};
      auto rows = c.query("SELECT thread, folder FROM social_folders WHERE owner = ?", p);
      if (!rows) return fail(rows.error());
      std::map<core::ThreadId, core::Folder> out;
      for (std::size_t i = 0; i < rows->size(); ++i) {
        auto thread = rows->u64(i, 0);
        if (!thread) return fail(thread.error());
        const auto f = as_enum(*rows, i, 1, core::kMaxFolder, core::Folder::inbox);
        if (f != core::Folder::inbox) out.emplace(core::ThreadId{*thread}, f);
      }
      return out;
    });
  }

  Result<core::Folder> folder(UserId owner, core::ThreadId thread) const override {
    return with_schema([&](Connection& c) -> Result<core::Folder> {
      const Param p[] = {owner.value(), thread.value()};
      auto rows = c.query("SELECT folder FROM social_folders WHERE owner = ? AND thread = ?", p);
      if (!rows) return fail(rows.error());
      if (rows->empty()) return core::Folder::inbox;
      return as_enum(*rows, 0, 0, core::kMaxFolder, core::Folder::inbox);
    });
  }

  // Writes are single upserts or deletes (or one transaction of them), so the pool may run
  // one again on a new connection after a broken one: the outcome is the same.
  Result<void> set_relation(UserId owner, UserId other, core::Relation relation) override {
    return with_schema([&](Connection& c) -> Result<void> {
      if (relation == core::Relation::none) {
        const Param p[] = {owner.value(), other.value()};
        return c.execute("DELETE FROM social_relations WHERE owner = ? AND other = ?", p);
      }
      const Param p[] = {owner.value(), other.value(), std::uint64_t{static_cast<std::uint8_t>(relation)}};
      return c.execute("INSERT INTO social_relations (owner, other, relation) VALUES (?, ?, ?) "
                       "ON DUPLICATE KEY UPDATE relation = VALUES(relation)",
                       p);
    });
  }

  Result<void> set_group_add(UserId owner, core::GroupAdd group_add) override {
    return with_schema([&](Connection& c) -> Result<void> {
      // Kept even when it equals the default: the user's choice outlives a change of the default.
      const Param p[] = {owner.value(), std::uint64_t{static_cast<std::uint8_t>(group_add)}};
      return c.execute("INSERT INTO social_settings (owner, group_add) VALUES (?, ?) "
                       "ON DUPLICATE KEY UPDATE group_add = VALUES(group_add)",
                       p);
    });
  }

  Result<void> set_folders(std::span<const FolderRow> rows) override {
    if (rows.empty()) return {};
    return with_schema([&](Connection& c) -> Result<void> {
      if (auto r = c.execute("START TRANSACTION"); !r) return r;
      RollbackUnlessCommitted txn{c};
      for (const auto& row : rows) {
        Result<void> r;
        if (row.folder == core::Folder::inbox) {
          const Param p[] = {row.user.value(), row.thread.value()};
          r = c.execute("DELETE FROM social_folders WHERE owner = ? AND thread = ?", p);
        } else {
          const Param p[] = {row.user.value(), row.thread.value(),
                             std::uint64_t{static_cast<std::uint8_t>(row.folder)}};
          r = c.execute("INSERT INTO social_folders (owner, thread, folder) VALUES (?, ?, ?) "
                        "ON DUPLICATE KEY UPDATE folder = VALUES(folder)",
                        p);
        }
        if (!r) return r;
      }
      if (auto r = c.execute("COMMIT"); !r) return r;
      txn.committed = true;
      return {};
    });
  }

 private:
  // Runs fn on a pooled connection to the writable server, the tables made sure of first.
  template <class F>
  auto with_schema(F&& fn) const -> std::invoke_result_t<F, Connection&> {
    return pool_.with_connection([&](Connection& c) -> std::invoke_result_t<F, Connection&> {
      if (!schema_ready_) {
        std::lock_guard lock(schema_mu_);
        if (!schema_ready_) {
          if (auto r = mariadb::ensure_social_schema(c); !r) return fail(r.error());
          schema_ready_ = true;
        }
      }
      return fn(c);
    });
  }

  mutable mariadb::ConnectionPool pool_;
  const core::GroupAdd group_add_default_;
  mutable std::mutex schema_mu_;
  mutable std::atomic<bool> schema_ready_{false};  // set once under schema_mu_
};

}  // namespace

std::unique_ptr<SocialStore> open_mariadb_social_store(const MariaDbOptions& options,
                                                       core::GroupAdd group_add_default) {
  return std::make_unique<MariaDbSocialStore>(options, group_add_default);
}

}  // namespace iris::store
