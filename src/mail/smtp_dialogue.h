#pragma once
// The client side of SMTP (RFC 5321) as mail out speaks it to the relay, without sockets:
// what to send at each step, how to read the relay's (possibly multi-line) replies within
// bounds, and what a reply means for the mail. net/mail_out.h runs it over a socket.
//
// The dialogue: greeting 220 -> EHLO -> 250 -> MAIL FROM -> 250 -> RCPT TO -> 250/251 ->
// DATA -> 354 -> the message (CRLF, dot-stuffed, ended by CRLF.CRLF) -> 250 -> QUIT.
// Any other reply ends it: 4xx is temporary (the mail is tried again later), 5xx permanent
// (the mail is given up and logged). A broken or silent connection is temporary.

#include <optional>
#include <string>
#include <string_view>

namespace iris::mail {

struct SmtpReply {
  int code = 0;      // 200..599
  std::string text;  // the last line's text, for the log
};

enum class SmtpVerdict { accepted, temporary, permanent };

// What a final reply means where `expected` (2 or 3: the first digit) was wanted.
SmtpVerdict smtp_verdict(const SmtpReply& reply, int expected);

// Reads replies from the bytes the relay sends. A reply is one or more lines
// "NNN-text" ending with "NNN text" (or "NNN"); a line longer than `max_line` bytes, more
// than `max_lines` lines in one reply, or a line that is not a reply makes the reader
// broken() (the connection is then dropped: temporary).
class SmtpReplyReader {
 public:
  explicit SmtpReplyReader(std::size_t max_line = 1000, std::size_t max_lines = 100)
      : max_line_(max_line), max_lines_(max_lines) {}
  // Takes `bytes`; returns the first complete reply if one is now complete. Bytes after it
  // stay buffered for the next call (with empty input).
  std::optional<SmtpReply> feed(std::string_view bytes);
  bool broken() const { return broken_; }

 private:
  std::size_t max_line_, max_lines_;
  std::string buffer_;
  std::size_t lines_ = 0;
  bool broken_ = false;
};

// The message as DATA carries it: every line end made CRLF, a line starting with '.' given
// one more (RFC 5321 §4.5.2), ended with CRLF "." CRLF.
std::string smtp_data(std::string_view message);

}  // namespace iris::mail
