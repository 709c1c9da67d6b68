#pragma once
// One SMS posted to the provider (docs/PROTOCOL.md "SMS out"): the form-encoded To, From,
// Body to sms.provider_url with basic auth, in the provider's Messages shape (Twilio's). Used
// by SMS out (sms_out.h) and by number verification's codes (sms_verifier.h).
//
// Blocking, on the caller's thread (both callers have their own): every step (resolve,
// connect, write, the whole answer) within sms.out_timeout_ms in all. The answer is read
// only for its status; its body is bounded all the same (64 KiB).

#include <optional>
#include <string>
#include <string_view>

#include "sms/outgoing.h"
#include "sms/sms_options.h"

namespace iris::net {

// The answer's status, or nullopt when none came (`why` says what failed).
std::optional<unsigned> post_sms(const sms::SmsOptions& options, const sms::HttpUrl& url, std::string_view to,
                                 std::string_view from, std::string_view text, std::string& why);

}  // namespace iris::net
