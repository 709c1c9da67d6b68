#pragma once
// Cell plan: which users a cluster benchmark drives and which server each user's device
// connects to (its owner, so no device is relayed), for `iris-bench sync-sends --cell ...`
// (`scripts/bench cluster`). Ownership is the cell's own ring (src/cluster/ring.h) built from
// the servers' names and token count, exactly as every irisd of the cell builds it, so the
// plan needs no request to the cell. Pure: no I/O.
//
// Users are taken in id order from `first_user` and paired into two-person threads:
//   mixed  consecutive ids (2t, 2t + 1): pairs spread over the servers as the ring spreads
//          users, so with 3 servers about a third share an owner;
//   cross  each pair's two users have different owners (every sort of pair: a-b, a-c, b-c);
//   local  each pair's two users have the same owner.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/ids.h"

namespace iris::bench {

enum class PairMix { mixed, cross, local };

struct PlannedUser {
  core::UserId user;
  std::size_t server = 0;  // index into the server names the plan was made from
};

// `users` users (even), pairs consecutive in the result: [0]-[1], [2]-[3], ...
// Throws std::runtime_error when the mix cannot be made (cross with one server) or the
// search goes past 1,000 ids per user asked for.
std::vector<PlannedUser> plan_pairs(const std::vector<std::string>& servers, std::uint32_t tokens,
                                    std::uint64_t first_user, std::size_t users, PairMix mix);

// Pairs of the plan whose two users have different owners.
std::size_t cross_pairs(const std::vector<PlannedUser>& plan);

}  // namespace iris::bench
