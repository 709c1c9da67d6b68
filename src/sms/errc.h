#pragma once
// sms::errc: what the SMS webhook's pure parts refuse.

#include <system_error>

namespace iris::sms {

enum class errc {
  bad_form = 1,  // not form-encoded, a field missing, repeated or malformed
  bad_number,    // not an E.164 phone number
};

const std::error_category& category();
std::error_code make_error_code(errc e);

}  // namespace iris::sms

template <>
struct std::is_error_code_enum<iris::sms::errc> : std::true_type {};
