#pragma once
// MailOptions: mail in over LMTP (config `mail.*`, docs/SECURITY.md "Limits"). Parsed once
// by apps/irisd, passed down by const&. Every bound is checked before the bytes it bounds
// are kept.

#include <chrono>
#include <cstddef>
#include <cstdint>
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

  // Mail out (net/mail_out.h): a user's message in a thread with an email participant is sent
  // as mail over SMTP to this relay, "HOST:PORT" (an MTA on the same host, e.g. Postfix on
  // 127.0.0.1:25, which then delivers it). Empty (the default): off; the messages stay in
  // the participant's queue and go out when it is set (within the retention window).
  std::string out_relay;
  // Each SMTP step's wait (connect, every reply). Default 30 s.
  std::chrono::milliseconds out_timeout{30000};
  // Wait after a temporary failure (4xx, no relay) before that participant's mail is tried
  // again, doubling up to out_max_backoff. Defaults 1 s and 300 s.
  std::chrono::milliseconds out_min_backoff{1000};
  std::chrono::milliseconds out_max_backoff{300000};
  // Email participants waiting to be served at once (the bounded queue); one past it is
  // found again by the next scan of the mail book. Default 10,000.
  std::size_t out_max_pending = 10000;
  // Updates read from one participant's queue per turn (others are served in between).
  // Default 64.
  std::size_t out_per_turn = 64;
  // Largest mail out, in bytes, as bounded before any attachment is read
  // (mail::mail_size_bound: base64 and headers included). A message whose attachments would
  // pass it leaves without them, each named in the text (logged). Default 25 MiB, what common
  // providers accept; the relay's own limit (Postfix's message_size_limit, 10 MB by default)
  // must be at least this for such mail to pass it.
  std::uint64_t out_max_message_bytes = std::uint64_t{25} << 20;
  // Where the addresses and Message-IDs that replies need are kept (store/mail/mail_book.h).
  // Empty: <data_dir>/mail.sqlite.
  std::string book_path;
};

}  // namespace iris::mail
