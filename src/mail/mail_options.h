#pragma once
// MailOptions: mail in over LMTP (config `mail.*`, docs/SECURITY.md "Limits"). Parsed once
// by apps/irisd, passed down by const&. Every bound is checked before the bytes it bounds
// are kept.

#include <chrono>
#include <cstddef>
#include <string>

namespace iris::mail {

struct MailOptions {
  // Where irisd listens for LMTP (RFC 2033), "HOST:PORT" (port 0: any free one, written to
  // the ports file as lmtp=). Empty (the default): off. An MTA on the same host delivers
  // here; LMTP has no authentication, so bind it to loopback unless a firewall stands in front.
  std::string lmtp_listen;
  // The domain of users' addresses: a recipient is `<user id>@<domain>` (compared without
  // case). Empty accepts any domain. Default "localhost".
  std::string domain = "localhost";
  // Largest message, in bytes as received (after dot-unstuffing). Larger is refused with
  // 552 at MAIL when the MTA declares SIZE, else after DATA; the bytes past it are read and
  // dropped, never kept. Default 25 MiB: the common limit of mail providers.
  std::size_t max_message_bytes = std::size_t{25} << 20;
  // Longest LMTP command line, in bytes. Default 2048 (RFC 5321 needs 512, plus ESMTP
  // parameters).
  std::size_t max_line_bytes = 2048;
  // Recipients of one transaction; more get 452 (the MTA sends them in another). Default 50,
  // Postfix's lmtp_destination_recipient_limit.
  std::size_t max_recipients = 50;
  // MIME parts of one message (every entity, the message itself included); more is refused
  // (554) before the tree is walked. Default 100.
  std::size_t max_parts = 100;
  // LMTP connections at once; more are answered 421 and closed. Default 64.
  std::size_t max_connections = 64;
  // A connection idle this long (no command, no DATA bytes) is closed with 421. Default 300 s
  // (RFC 5321 §4.5.3.2 asks servers to wait at least 5 minutes).
  std::chrono::seconds idle_timeout{300};
  // Drop the quoted reply (lines starting with '>' after "On ... wrote:", an Outlook
  // "Original Message" block, an HTML blockquote) from a message's text. Default true: the
  // thread already holds what is quoted.
  bool trim_quotes = true;
};

}  // namespace iris::mail
