#pragma once
// sms::errc: what the SMS webhook's pure parts and number verification refuse.

#include <system_error>

namespace iris::sms {

enum class errc {
  bad_form = 1,  // not form-encoded, a field missing, repeated or malformed
  bad_number,    // not an E.164 phone number
  // Number verification (verification.h):
  verification_rate_limited,  // too many codes sent for this user or to this number this hour
  too_many_pending,           // the user has sms.verify_max_pending_per_user numbers pending
  verification_busy,          // sms.verify_max_pending codes pending across the server
  no_code,                    // no code pending for this user and number (never asked, expired, used)
  wrong_code,                 // not the code sent; attempts remain
  too_many_attempts,          // not the code sent, and it was the last attempt: the code is dropped
  verification_off,           // user verification is not configured (sms.verify_from)
};

const std::error_category& category();
std::error_code make_error_code(errc e);

}  // namespace iris::sms

template <>
struct std::is_error_code_enum<iris::sms::errc> : std::true_type {};
