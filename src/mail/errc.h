#pragma once
// Errors of mail in (src/mail): why a delivery or a recipient is refused. lmtp_reply.h maps
// each to the LMTP reply the MTA sees (permanent 5xx or temporary 4xx).

#include <system_error>

namespace iris::mail {

enum class errc {
  // An address that is not one mailbox (`local@domain`, printable ASCII, at most 254 bytes).
  bad_address = 1,
  // A recipient whose local part is not a user id, or whose domain is not mail.domain.
  unknown_recipient,
  // A message over mail.max_message_bytes.
  too_large,
  // A message with more MIME parts than mail.max_parts.
  too_many_parts,
  // A message GMime could not read as one (no header, no body structure).
  malformed,
  // A message with no sender address (neither a From mailbox nor a MAIL FROM).
  no_sender,
};

const std::error_category& mail_error_category();
std::error_code make_error_code(errc e);

}  // namespace iris::mail

template <>
struct std::is_error_code_enum<iris::mail::errc> : std::true_type {};
