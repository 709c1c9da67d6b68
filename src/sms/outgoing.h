#pragma once
// SMS out, pure (docs/PROTOCOL.md "SMS out"): the provider's URL, the request's form and
// what its answer means.

#include <optional>
#include <string>
#include <string_view>

#include "sms/webhook.h"

namespace iris::sms {

struct HttpUrl {
  std::string host;
  std::string port;    // "80" when the URL names none
  std::string target;  // path and query, "/" when empty
  bool operator==(const HttpUrl&) const = default;
};
// "http://HOST[:PORT][/PATH]" (HOST a name, an IPv4 address or [IPv6]); nullopt otherwise
// (https is for a local TLS proxy in front of the provider).
std::optional<HttpUrl> parse_http_url(std::string_view url);

// The provider's form for one SMS: To, From, Body (Twilio's Messages resource).
Form outgoing_form(std::string_view to, std::string_view from, std::string_view body);

enum class Verdict { accepted, temporary, permanent };
// 2xx: accepted (the SMS leaves, the cursor moves). 429 and 5xx: temporary (tried again
// after a backoff). Anything else (other 4xx, 1xx, 3xx): permanent, logged and given up.
Verdict verdict(unsigned status);

}  // namespace iris::sms
