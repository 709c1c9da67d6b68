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
//
// Attachments: a message with attachments leaves as multipart/mixed, the text first, then
// each attachment as a base64 part with its content type and file name (RFC 2231 when the
// name is not ASCII). Mail out reads their bytes from the blob store; what it cannot put in
// the mail (over mail.out_max_message_bytes, or a blob no longer stored) is named in the
// text instead (left_out_line), so the recipient knows something was sent.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace iris::mail {

// One attachment as it goes out, its bytes already read.
struct OutgoingAttachment {
  std::string content_type;  // "type/subtype"; anything else leaves as application/octet-stream
  std::string name;          // the sender's file name; empty: "attachment-<n>"
  std::string bytes;
};

struct OutgoingMail {
  std::string from;         // `<user id>@<mail.domain>`, normalized
  std::string to;           // the external participant's normalized address
  std::string subject;      // the conversation's subject as received (without "Re: ": added here)
  std::string message_id;   // ours, without brackets (outgoing_message_id)
  std::string in_reply_to;  // the last Message-ID received in the thread, empty when none
  std::string root;         // the conversation's first Message-ID, empty when none
  std::string text;         // the message's text, UTF-8
  std::int64_t date_unix_s = 0;
  std::vector<OutgoingAttachment> attachments;  // after the text, in this order
};

// At most how many bytes compose_mail() makes of a mail with `text_bytes` of text and
// attachments of these sizes (base64 with its line ends, each part's headers, the message's
// headers): what mail out checks against its limit before it reads any blob.
std::uint64_t mail_size_bound(std::size_t text_bytes, std::span<const std::uint64_t> attachment_sizes);

enum class LeftOut {
  too_large,  // the mail would pass mail.out_max_message_bytes with it
  gone,       // its blob is no longer stored
};
// The text line that names an attachment the mail does not carry, e.g.
// "[not attached (too large for mail): photo.png, image/png, 2.1 MB]".
std::string left_out_line(std::string_view name, std::string_view content_type, std::uint64_t size, LeftOut why);
// The file name a part carries: controls and path separators dropped, at most 255 bytes
// (cut at a UTF-8 boundary); "attachment-<n>" (n from 1) when nothing is left.
std::string attachment_file_name(std::string_view name, std::size_t index);

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
