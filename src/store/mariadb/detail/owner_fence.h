#pragma once
// OwnerFence: the SQL and the decisions of ownership fencing in the MariaDB queue store
// (docs/CLUSTER.md "Ownership and fencing"), kept apart from the group commit that uses them.
//
// Table queue_owner (queue_schema.cc): (user_id, owner, term). Two transactions use it:
//  - a claim, one INSERT ... ON DUPLICATE KEY UPDATE per group of claims, which takes the
//    row's exclusive lock: it waits for an append transaction of the previous owner holding
//    the row and changes the row only when the claim's term is above the stored one or the
//    claimer already holds it; then a read of the rows says which claims hold;
//  - every append transaction of a fenced store starts with `lock_sql` (SELECT ... FOR
//    UPDATE of the owner rows of its users) before any other read, and refuses the appends
//    of users whose row names another owner. A user without a row is appended to: nobody
//    has claimed it, so no other server serves it as owner yet.
// Values in the SQL are integers and hex literals only.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "core/ids.h"
#include "store/mariadb/connection.h"

namespace iris::store::mariadb::detail {

struct OwnerRow {
  std::string owner;
  std::uint64_t term = 0;
};

// SELECT user_id, owner, term of `users` FOR UPDATE. Requires: users not empty.
std::string lock_owners_sql(const std::vector<std::uint64_t>& users);
// The rows of lock_owners_sql or claim_sql's read, by user; corrupt_record if malformed.
Result<std::unordered_map<core::UserId, OwnerRow>> owner_rows(const Rows& rows);

struct Claim {
  core::UserId user;
  std::uint64_t term = 0;
};
// The claim transaction's statements, up to and including the read of the rows (the caller
// commits): claims `claims` as `self`, waiting at most `lock_wait` for a row lock (the
// server's granularity is whole seconds; at least 1).
// Requires: claims not empty.
std::string claim_sql(const std::vector<Claim>& claims, std::string_view self,
                      std::chrono::seconds lock_wait);
// Runs the claim transaction on `conn` and returns the claimed users' rows after it;
// unavailable (the transaction left open: drop the connection) if the server failed or a row
// lock was not granted within `lock_wait`.
Result<std::unordered_map<core::UserId, OwnerRow>> run_claims(Connection& conn, const std::vector<Claim>& claims,
                                                              std::string_view self, std::chrono::seconds lock_wait);

}  // namespace iris::store::mariadb::detail
