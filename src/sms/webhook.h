#pragma once
// The SMS provider's webhook, pure (docs/PROTOCOL.md "SMS in"): the form-encoded body, the
// signature, phone numbers and the ids an incoming SMS derives. The shape is Twilio's
// Messaging webhook (the common one): POST application/x-www-form-urlencoded with From, To,
// Body and MessageSid among other fields, signed in X-Twilio-Signature:
//
//   base64( HMAC-SHA1( auth token, URL + for each field sorted by name (then value): name + value ) )
//
// where URL is the webhook's full URL as the provider called it (query included).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "core/ids.h"

namespace iris::sms {

using Form = std::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded: '&'-separated name=value, '+' as space, %XX escapes.
// errc::bad_form on a bad escape or more than `max_fields` fields.
Result<Form> parse_form(std::string_view body, std::size_t max_fields);
// The inverse (RFC 3986 unreserved bytes kept, space as '+', the rest %XX).
std::string encode_form(const Form& form);

// Twilio's signature of `form` posted to `url` with `token` (above).
std::string signature(std::string_view token, std::string_view url, const Form& form);
// Whether `header` is that signature; compared in constant time (CRYPTO_memcmp).
bool signature_ok(std::string_view token, std::string_view url, const Form& form, std::string_view header);

// A phone number as compared: E.164, '+' then 8..15 digits; spaces, '-', '.', '(' and ')'
// dropped first. errc::bad_number otherwise.
Result<std::string> normalize_number(std::string_view number);

// The external identity of a normalized number: the mail rule (mail/address.h) with its
// own prefix, so a number and a mail address never share an id.
core::UserId external_user(std::string_view normalized_number);

// What an incoming SMS carries, its fields checked.
struct Inbound {
  std::string from;  // normalized
  std::string to;    // normalized
  std::string body;  // valid UTF-8, at most max_body_bytes (clipped)
  std::string sid;   // MessageSid (or SmsSid): 1..64 printable ASCII bytes
};
// errc::bad_form when a field is missing, repeated or malformed.
Result<Inbound> inbound(const Form& form, std::size_t max_body_bytes);

// The client id of the thread between the external number and the user it texted, and of
// the message (from its MessageSid: a provider's retry appends nothing).
core::ClientMsgId thread_key(std::string_view from, core::UserId to);
core::ClientMsgId message_key(std::string_view sid);

// "Basic " + base64(user ":" password).
std::string basic_auth(std::string_view user, std::string_view password);

}  // namespace iris::sms
