#pragma once
// The WebSocket port's side of the upgrade request (MQTT 5.0 §6), before Beast's handshake
// checks the RFC 6455 fields and answers 101: the request must be an upgrade, and the
// subprotocol Iris answers with is chosen. Pure, so the transport (net/detail/transports.h)
// and the libFuzzer target run the same code; the request itself comes from
// net/http_request_reader.h, with the HTTP API's limits.

#include <string>
#include <system_error>

#include "base/result.h"
#include "net/http_request_reader.h"

namespace iris::net {

// The subprotocol to answer with, of those the client lists in Sec-WebSocket-Protocol: "mqtt",
// else "mqttv3.1" (old clients ask for it), else "" (none). errc::not_an_upgrade for any other request.
Result<std::string> ws_subprotocol(const HttpRequest& req);

// The whole HTTP response that refuses an upgrade request for `why` (its status from
// net/http_status.h, a one-line text body, Connection: close).
std::string ws_refusal(std::error_code why);

}  // namespace iris::net
