#pragma once
// Errors of the cell's membership (cluster).

#include <system_error>

namespace iris::cluster {

enum class errc {
  // A server joined under a name that another live member already uses with a different
  // address or tokens: two processes configured as one server.
  name_conflict = 1,
  // A member's description is malformed (empty name, no tokens, too many tokens).
  invalid_member,
  // An event older than the table's version: applying it would go back in time.
  stale_event,
  // The coordination service is unreachable or the session is gone.
  coordinator_unavailable,
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

}  // namespace iris::cluster

template <>
struct std::is_error_code_enum<iris::cluster::errc> : std::true_type {};
