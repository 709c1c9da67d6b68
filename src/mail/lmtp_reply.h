#pragma once
// The one mapping of a delivery's outcome to the LMTP reply its recipient gets (RFC 5321
// §4.2 codes, RFC 3463 enhanced codes). 4xx: the MTA keeps the mail and retries later;
// 5xx: it bounces. Temporary conditions (a rate limit, the store or blob store unavailable,
// a full queue) are 4xx, so nothing acknowledged is lost and nothing refused for a passing
// reason is bounced.

#include <string>
#include <system_error>

#include "wire/messages.h"

namespace iris::mail {

// "250 2.0.0 ..." for a message now durable in the recipient's queue.
std::string delivered_reply();
// The sync service refused the request that carried the mail.
std::string refused_reply(wire::ErrorCode code);
// A mail errc (mail/errc.h) or any other error before the request (4xx unless the error is
// a property of the message).
std::string error_reply(const std::error_code& ec);

}  // namespace iris::mail
