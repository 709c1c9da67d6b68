#pragma once
// Errors of the replicated pair's administration (observing, promoting, fencing servers).

#include <system_error>

namespace iris::dbpair {

enum class errc {
  // A server could not be reached (connect failed or timed out).
  connect_failed = 1,
  // A statement failed on a reachable server; the server's message is logged.
  query_failed,
  // A GTID position or a server address could not be parsed.
  bad_value,
  // No server of the pair can be promoted (none reachable, or none read-only).
  no_candidate,
  // The replica did not apply its relay log within the apply timeout: promoting it would
  // publish a state behind what the primary acknowledged.
  not_caught_up,
  // The replica still receives from the primary: the primary is alive, only we lost it.
  primary_alive,
  // A server's binlog holds transactions its would-be primary does not have.
  diverged,
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

}  // namespace iris::dbpair

template <>
struct std::is_error_code_enum<iris::dbpair::errc> : std::true_type {};
