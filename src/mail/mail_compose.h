#pragma once
// The mail a user's message becomes when it leaves for an email participant (mail out,
// docs/PROTOCOL.md "Mail out"). Pure: GMime builds the message, no sockets, no clock.
//
// Every header value that came from outside (the subject of the mail being answered, the
// Message-IDs it carried) is cleaned before GMime sees it: control characters (CR and LF
// above all) become spaces and Message-IDs keep only printable ASCII without spaces or
// angle brackets, so nothing a sender put in a header can start a header of ours (header
// injection). GMime encodes non-ASCII subjects (RFC 2047) and picks the body's transfer
// encoding (7bit when it can, else quoted-printable), so the output is 7-bit clean.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace iris::mail {

struct OutgoingMail {
  std::string from;         // `<user id>@<mail.domain>`, normalized
  std::string to;           // the external participant's normalized address
  std::string subject;      // the conversation's subject as received (without "Re: ": added here)
  std::string message_id;   // ours, without brackets (outgoing_message_id)
  std::string in_reply_to;  // the last Message-ID received in the thread, empty when none
  std::string root;         // the conversation's first Message-ID, empty when none
  std::string text;         // the message's text, UTF-8
  std::int64_t date_unix_s = 0;
};

// Our Message-ID for message `message` of `thread` sent by `sender` to `to_user`: stable, so
// a mail sent again after a crash (before its cursor moved) carries the same id and the
// recipient's MTA or client can tell it is the same mail.
std::string outgoing_message_id(std::uint64_t sender, std::uint64_t thread, std::uint64_t message,
                                std::uint64_t to_user, std::string_view domain);

// A header value with every control character made a space, trimmed, at most `max` bytes
// (cut at a UTF-8 boundary).
std::string clean_header_text(std::string_view value, std::size_t max = 998);
// A Message-ID (without brackets) with everything outside printable ASCII, spaces and
// angle brackets dropped; empty when nothing is left.
std::string clean_message_id(std::string_view id);

// The whole message (RFC 5322, LF line ends), for smtp_data(). mail::errc::malformed when
// GMime cannot build it.
Result<std::string> compose_mail(const OutgoingMail& mail);

}  // namespace iris::mail
