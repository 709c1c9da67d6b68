#pragma once
// Errors of the client SDK: why a client operation failed. The CLI maps each one to an exit
// code in one place (apps/iris/exit_code.h); apps embedding the SDK branch on these values.

#include <system_error>

namespace iris::client {

enum class errc {
  // The server could not be reached (connection refused, DNS, timeout before CONNACK).
  unreachable = 1,
  // The server refused the credentials (MQTT CONNACK 0x86/0x87, HTTP 401/403).
  bad_token,
  // The user is not a participant of the thread (wire ErrorCode not_participant).
  not_participant,
  // The thread does not exist, locally or on the server.
  unknown_thread,
  // The server refused the request for good (too large, invalid, bad encoding).
  refused,
  // The server is temporarily unable to answer (HTTP 503, wire unavailable, rate_limited).
  unavailable,
  // The server sent something that breaks the protocol (undecodable payload, bad HTTP).
  protocol,
  // The local SQLite store failed (disk full, corrupt, locked).
  store,
  // An operation did not finish in the time it was given.
  timeout,
  // The client was stopped before the operation finished.
  stopped,
  // Local state cannot be rebuilt: a snapshot is needed and no snapshot source is set.
  snapshot_unavailable,
  // No login is stored (CLI: run `iris login` first) or the configuration is unusable.
  not_configured,
  // A local file (an attachment to upload, a download's target) could not be read or
  // written, or downloaded bytes do not hash to the blob's id.
  file,
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

}  // namespace iris::client

template <>
struct std::is_error_code_enum<iris::client::errc> : std::true_type {};
