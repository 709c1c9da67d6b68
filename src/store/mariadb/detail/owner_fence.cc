#include "store/mariadb/detail/owner_fence.h"

#include <algorithm>

#include "store/errc.h"

namespace iris::store::mariadb::detail {
namespace {

std::string user_list(std::vector<std::uint64_t> users) {
  std::sort(users.begin(), users.end());  // one lock order for every transaction
  users.erase(std::unique(users.begin(), users.end()), users.end());
  std::string out;
  for (std::size_t i = 0; i < users.size(); ++i) out += (i ? "," : "") + std::to_string(users[i]);
  return out;
}

}  // namespace

std::string lock_owners_sql(const std::vector<std::uint64_t>& users) {
  return "SELECT user_id, owner, term FROM queue_owner WHERE user_id IN (" + user_list(users) +
         ") ORDER BY user_id FOR UPDATE";
}

Result<std::unordered_map<core::UserId, OwnerRow>> owner_rows(const Rows& rows) {
  std::unordered_map<core::UserId, OwnerRow> out;
  if (!rows.empty() && rows.columns() != 3) return fail(errc::corrupt_record);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto user = rows.u64(i, 0), term = rows.u64(i, 2);
    if (!user || !term) return fail(errc::corrupt_record);
    out[core::UserId{*user}] = OwnerRow{std::string(rows.bytes(i, 1)), *term};
  }
  return out;
}

std::string claim_sql(const std::vector<Claim>& claims, std::string_view self,
                      std::chrono::seconds lock_wait) {
  std::string owner;
  Connection::append_hex(self, owner);
  // The assignments run left to right: `owner` changes only for a higher term; `term` then
  // rises only if the row is (now) ours, so a stale claim changes nothing.
  std::string sql = "SET STATEMENT innodb_lock_wait_timeout = " +
                    std::to_string(std::max<std::int64_t>(1, lock_wait.count())) +
                    " FOR INSERT INTO queue_owner (user_id, owner, term) VALUES ";
  std::vector<std::uint64_t> users;
  std::vector<Claim> sorted = claims;
  std::sort(sorted.begin(), sorted.end(), [](const Claim& a, const Claim& b) { return a.user < b.user; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    sql += (i ? ",(" : "(") + std::to_string(sorted[i].user.value()) + ',' + owner + ',' +
           std::to_string(sorted[i].term) + ')';
    users.push_back(sorted[i].user.value());
  }
  sql += " ON DUPLICATE KEY UPDATE owner = IF(term < VALUES(term), VALUES(owner), owner), "
         "term = IF(owner = VALUES(owner), GREATEST(term, VALUES(term)), term);"
         "SELECT user_id, owner, term FROM queue_owner WHERE user_id IN (" +
         user_list(users) + ')';
  return sql;
}

Result<std::unordered_map<core::UserId, OwnerRow>> run_claims(Connection& conn, const std::vector<Claim>& claims,
                                                              std::string_view self, std::chrono::seconds lock_wait) {
  auto results = conn.query("START TRANSACTION;" + claim_sql(claims, self, lock_wait) + ";COMMIT");
  if (!results) return fail(results.error());
  if (results->size() < 3) return fail(errc::unavailable);
  return owner_rows((*results)[2]);  // START, INSERT, SELECT, COMMIT
}

}  // namespace iris::store::mariadb::detail
