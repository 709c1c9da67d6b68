#pragma once
// Membership: the table of a cell's live servers, changed only by applied events, each
// carrying the coordination service's version (ZooKeeper's zxid of the change). Applying
// the same events in the same order gives every server the same table and so the same Ring.
// Events at or below the table's version are refused as stale, so a watch that fires
// twice, or a re-read after reconnecting, cannot undo a newer change.

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "cluster/ring.h"
#include "cluster/server_info.h"

namespace iris::cluster {

// Bounds on one member, checked before a table holds it.
inline constexpr std::size_t kMaxNameBytes = 128;
inline constexpr std::size_t kMaxAddressBytes = 256;
inline constexpr std::size_t kMaxTokens = 65536;

struct ServerJoined {
  ServerInfo server;
};
struct ServerLeft {
  std::string name;
};
using MembershipChange = std::variant<ServerJoined, ServerLeft>;

struct MembershipEvent {
  std::uint64_t version = 0;  // strictly increasing across the events of one cell
  MembershipChange change;
};

Result<void> validate(const ServerInfo& server);

class Membership {
 public:
  // Refuses a stale event, an invalid member, or a join that reuses a live member's name
  // with another address or tokens (the same description again is a no-op).
  Result<void> apply(const MembershipEvent& event);

  // The events that turn this table into `live` (a full listing read from the coordinator),
  // all at `version`: how an adapter turns "here are the children now" into applied events.
  std::vector<MembershipEvent> diff_to(const std::vector<ServerInfo>& live, std::uint64_t version) const;

  std::uint64_t version() const { return version_; }
  const std::map<std::string, ServerInfo, std::less<>>& members() const { return members_; }
  bool contains(std::string_view name) const { return members_.find(name) != members_.end(); }
  Ring ring() const;

 private:
  std::uint64_t version_ = 0;
  std::map<std::string, ServerInfo, std::less<>> members_;
};

}  // namespace iris::cluster
