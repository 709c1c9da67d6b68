#include "cluster/membership.h"

#include <set>

#include "cluster/errc.h"

namespace iris::cluster {

Result<void> validate(const ServerInfo& server) {
  if (server.name.empty() || server.name.size() > kMaxNameBytes) return fail(errc::invalid_member);
  if (server.name.find('/') != std::string::npos) return fail(errc::invalid_member);  // a znode name
  for (const auto* a : {&server.address, &server.mqtt, &server.http}) {
    if (a->size() > kMaxAddressBytes) return fail(errc::invalid_member);
  }
  if (server.tokens.empty() || server.tokens.size() > kMaxTokens) return fail(errc::invalid_member);
  return {};
}

Result<void> Membership::apply(const MembershipEvent& event) {
  if (event.version < version_) return fail(errc::stale_event);
  // Several changes may share one version (diff_to), but never go back before it.
  if (const auto* joined = std::get_if<ServerJoined>(&event.change)) {
    if (auto ok = validate(joined->server); !ok) return ok;
    const auto it = members_.find(joined->server.name);
    if (it != members_.end() && !(it->second == joined->server)) return fail(errc::name_conflict);
    members_.insert_or_assign(joined->server.name, joined->server);
  } else {
    const auto& left = std::get<ServerLeft>(event.change);
    members_.erase(left.name);
  }
  version_ = event.version;
  return {};
}

std::vector<MembershipEvent> Membership::diff_to(const std::vector<ServerInfo>& live,
                                                 std::uint64_t version) const {
  std::vector<MembershipEvent> events;
  std::set<std::string_view> seen;
  for (const auto& s : live) seen.insert(s.name);
  for (const auto& [name, info] : members_) {
    const auto now = std::find_if(live.begin(), live.end(), [&](const ServerInfo& s) { return s.name == name; });
    // A member whose description changed left and came back (a restart between two reads).
    if (!seen.contains(name) || !(*now == info)) events.push_back({version, ServerLeft{name}});
  }
  for (const auto& s : live) {
    const auto it = members_.find(s.name);
    if (it == members_.end() || !(it->second == s)) events.push_back({version, ServerJoined{s}});
  }
  return events;
}

Ring Membership::ring() const {
  std::vector<ServerInfo> servers;
  servers.reserve(members_.size());
  for (const auto& [name, info] : members_) servers.push_back(info);
  return Ring(std::move(servers));
}

}  // namespace iris::cluster
