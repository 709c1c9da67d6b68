#pragma once
// The one mapping from errors to HTTP statuses (docs/PROTOCOL.md "HTTP API"). Every error
// response carries an Envelope Error whose `code` is the wire code below; clients branch on
// the status first, then on the code.

#include <system_error>

#include "wire/messages.h"

namespace iris::net {

struct HttpError {
  unsigned status = 500;
  wire::ErrorCode code = wire::ErrorCode::internal;
  // 503 and 429 tell the client when to come back (Retry-After, seconds).
  bool retry_after = false;
  bool operator==(const HttpError&) const = default;
};

// The status of a request the sync service refused with `code`.
HttpError http_error(wire::ErrorCode code);

// Any error met while serving a request: net::errc (auth, routing, limits, a busy shard)
// by value, everything else through sync::to_wire_error.
HttpError http_error(std::error_code ec);

}  // namespace iris::net
