#pragma once
// PreauthBudget: how many connections that have not authenticated yet the server holds, in
// total and per source address (NetOptions::max_preauth_connections, max_preauth_per_source),
// so unauthenticated sockets can neither pin memory and slots without bound nor one source
// take every slot from the others. Pure bookkeeping, no lock and no socket: ServerCore guards
// it (accepts happen on shard 0, releases on any shard).
//
// A source is an IPv4 address, or the /64 prefix of an IPv6 address: one host usually holds a
// whole /64, and counting its single addresses would give it 2^64 budgets. An IPv4-mapped IPv6
// address (a dual-stack listener's IPv4 client) is its IPv4 address.

#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace iris::net {

class PreauthBudget {
 public:
  // 16 bytes: an IPv6 /64 prefix (rest zero), or 0xFF, 0xFF, 0xFF, 0xFF then an IPv4 address.
  using Source = std::array<std::uint8_t, 16>;
  enum class Verdict { admitted, total_full, source_full };

  // 0 in either limit means no limit of that kind.
  PreauthBudget(std::size_t max_total, std::size_t max_per_source)
      : max_total_(max_total), max_per_source_(max_per_source) {}

  static Source source_of(const boost::asio::ip::address& address);

  // Counts one more pre-auth connection of `source`, unless a limit is reached.
  Verdict admit(const Source& source);
  // Requires: an admit(source) that returned admitted, not yet released.
  void release(const Source& source);

  std::size_t total() const { return total_; }
  std::size_t held_by(const Source& source) const;

 private:
  struct SourceHash {
    std::size_t operator()(const Source& s) const;
  };
  const std::size_t max_total_;
  const std::size_t max_per_source_;
  std::size_t total_ = 0;
  // Only sources holding at least one slot: its size is bounded by total_.
  std::unordered_map<Source, std::size_t, SourceHash> by_source_;
};

}  // namespace iris::net
