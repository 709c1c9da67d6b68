#pragma once
// LmtpSession: the server side of one LMTP connection (RFC 2033 over the SMTP grammar of
// RFC 5321), with no I/O: bytes in, reply text and "deliver this mail" out. net/ binds it
// to a socket (net/lmtp_server.h).
//
// Commands: LHLO (HELO and EHLO are refused: RFC 2033 §4.1), MAIL FROM (SIZE and BODY
// parameters), RCPT TO, DATA, RSET, NOOP, VRFY (252), QUIT. PIPELINING, 8BITMIME,
// ENHANCEDSTATUSCODES and SIZE are announced. Each RCPT is checked at once
// (recipient_user, address.h); after DATA the host delivers the mail and answers once
// per accepted recipient (delivered()), which is LMTP's point: the MTA learns per
// recipient, and a 250 is only sent once the message is durable there.
//
// Limits (MailOptions): a command line over max_line_bytes is answered 500 and the rest of
// it dropped; a message over max_message_bytes (declared by SIZE: 552 at MAIL; else after
// DATA, its bytes past the limit dropped as they come) is refused; recipients beyond
// max_recipients get 452. DATA ends only at CRLF "." CRLF: a bare LF "." LF is content,
// so nothing a sender hides in the body can end the message early and smuggle a second one
// (SMTP smuggling). While a delivery runs, input is held, up to max_line_bytes, and read
// once it completes.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "mail/mail_options.h"

namespace iris::mail {

// One mail to deliver: the envelope and the message bytes (dot-unstuffed, CRLF as received).
struct Envelope {
  std::string mail_from;  // the reverse path as given (may be empty: a bounce)
  std::vector<core::UserId> recipients;  // accepted RCPTs, in order (one reply each)
  std::vector<std::string> recipient_addresses;
  std::string data;
};

// The reply for one recipient: a full reply line without CRLF, e.g. "250 2.0.0 delivered".
using RecipientReply = std::string;

class LmtpSession {
 public:
  // `options` must outlive the session; `hostname` names this server in replies.
  LmtpSession(const MailOptions& options, std::string hostname);

  struct Output {
    std::string reply;               // bytes to write, possibly several replies
    std::optional<Envelope> deliver; // a mail to deliver; call delivered() when done
    bool close = false;              // after writing `reply`
  };

  // The 220 greeting, written first.
  std::string greeting() const;
  // Takes bytes from the peer. Requires: no delivery pending (output of feed with
  // `deliver` set waits for delivered()); bytes that arrive meanwhile go to hold().
  Output feed(std::string_view bytes);
  // Bytes that arrived while a delivery runs; false when over the bound (close then).
  bool hold(std::string_view bytes);
  // The delivery finished: one reply per recipient of the Envelope, in order. Returns those
  // and whatever the held input produces next.
  Output delivered(std::span<const RecipientReply> replies);
  bool delivering() const { return delivering_; }

 private:
  enum class State { command, data, data_too_large };
  void command(std::string_view line, Output& out);
  void end_of_data(Output& out);
  void reset_transaction();
  Output run();

  const MailOptions& options_;
  std::string hostname_;
  std::string in_;  // unread input
  State state_ = State::command;
  bool greeted_ = false;  // LHLO seen
  bool have_from_ = false;
  bool discarding_line_ = false;  // a command line over the limit: dropping to its end
  bool delivering_ = false;
  bool closed_ = false;
  Envelope envelope_;
};

}  // namespace iris::mail
