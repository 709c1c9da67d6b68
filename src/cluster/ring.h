#pragma once
// Ring: the consistent-hash ring of one cell, built from its members (pure: no I/O, no
// clock). A user belongs to the server holding the first token at or after the user's
// position (ring_hash.h), wrapping past the top. Two servers that claim the same token
// position are ordered by name, and the smaller name holds it: every server resolves a
// collision the same way.
//
// Lookups are O(1) on average: a table of 2^k buckets over the top bits of the 64-bit
// space gives the first ring entry of each bucket, so a lookup scans only the few entries
// that fall inside one bucket.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "cluster/server_info.h"
#include "core/ids.h"

namespace iris::cluster {

class Ring {
 public:
  Ring() = default;
  // Members in any order; a server with no tokens holds nothing.
  explicit Ring(std::vector<ServerInfo> servers);

  bool empty() const { return points_.empty(); }
  const std::vector<ServerInfo>& servers() const { return servers_; }  // sorted by name

  // Index into servers() of the owner of `position`; nullopt when the ring is empty.
  std::optional<std::size_t> owner_of_position(std::uint64_t position) const;
  std::optional<std::size_t> owner_of(core::UserId user) const;
  // The owner's name, or empty when the ring is empty.
  std::string_view owner_name(core::UserId user) const;

  // Share of the 64-bit space each server holds, by index into servers().
  std::vector<double> shares() const;

 private:
  struct Point {
    std::uint64_t position;
    std::uint32_t server;
  };
  std::vector<ServerInfo> servers_;
  std::vector<Point> points_;            // sorted by (position, server name)
  std::vector<std::uint32_t> buckets_;   // first point index with position >= bucket start
  unsigned bucket_shift_ = 64;
};

}  // namespace iris::cluster
