#pragma once
// A delivered mail's bytes -> what Iris keeps of it, parsed by GMime (RFC 5322, MIME RFCs
// 2045-2049, RFC 2047 encoded words, RFC 2231 parameters): transfer encodings decoded,
// charsets converted to UTF-8, the text chosen and cleaned (text_extract.h), attachments'
// bytes decoded. Pure (bytes in, values out); GMime keeps no state between calls beyond
// its one-time initialisation. Safe for any input: what GMime cannot read is refused, and
// the entity count is bounded before GMime builds its tree (see MimeLimits::max_parts).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace iris::mail {

struct MimeLimits {
  // Entities (the message, every part, nested messages); more is errc::too_many_parts.
  std::size_t max_parts = 100;
  // Drop quoted replies from the text (MailOptions::trim_quotes).
  bool trim_quotes = true;
};

struct MailAttachment {
  std::string name;          // the file name (path and controls dropped), may be empty
  std::string content_type;  // "type/subtype", lowercase
  std::string bytes;         // decoded
};

struct ParsedMail {
  std::string from;       // the first From mailbox, normalized (address.h); empty if none
  std::string from_name;  // its display name, one line of UTF-8; may be empty
  std::string subject;    // one line of UTF-8
  std::string message_id;   // without brackets; may be empty
  std::string in_reply_to;  // raw header values (mail_thread.h reads them)
  std::string references;
  std::string text;  // the body as clean UTF-8 (text/plain preferred, else HTML as text)
  std::vector<MailAttachment> attachments;
  std::size_t parts = 0;  // entities seen
};

// errc::malformed, errc::too_many_parts.
Result<ParsedMail> parse_mime(std::string_view bytes, const MimeLimits& limits);

}  // namespace iris::mail
