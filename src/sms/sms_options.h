#pragma once
// SmsOptions: SMS in (the provider's webhook) and SMS out (posts to the provider), config
// `sms.*` (docs/PROTOCOL.md "SMS"). Parsed once by apps/irisd, passed down by const&.
// Every bound is checked before the bytes it bounds are kept.

#include <chrono>
#include <cstddef>
#include <string>

namespace iris::sms {

struct SmsOptions {
  // Where irisd serves the provider's webhook (POST /v1/sms/inbound), "HOST:PORT" (port 0:
  // any free one, written to the ports file as sms=). Empty (the default): SMS in is off.
  std::string listen;
  // The shared secret the provider signs with (Twilio: the account's auth token), read from
  // sms.auth_token_file at start. SMS in refuses to start without one.
  std::string auth_token;
  // The webhook's URL exactly as the provider calls it (scheme, host, path, query): the
  // signature covers it. Empty: "http://" + the request's Host header + its target, right
  // only when nothing (TLS proxy, rewriting) stands between the provider and irisd.
  std::string webhook_url;
  // Largest webhook request body, in bytes; larger is refused 413 before it is kept.
  // Default 16 KiB (an SMS is at most 1600 characters; the provider adds ~30 fields).
  std::size_t max_request_bytes = 16 * 1024;
  // Form fields of one webhook request; more is refused 400. Default 64.
  std::size_t max_fields = 64;
  // Webhook connections at once; more are closed at accept. Default 64.
  std::size_t max_connections = 64;
  // A webhook connection idle this long is closed. Default 30 s.
  std::chrono::seconds idle_timeout{30};

  // SMS out: a user's message in a thread with an SMS participant is POSTed here
  // (form-encoded To, From, Body; HTTP basic auth), e.g.
  // http://127.0.0.1:8080/2010-04-01/Accounts/AC.../Messages.json behind a local TLS proxy.
  // Only http:// URLs (HOST:PORT/PATH). Empty (the default): off; the messages stay in the
  // participant's queue and leave when it is set (within the retention window).
  std::string provider_url;
  // Basic auth user (Twilio: the account SID) and password (read from
  // sms.provider_password_file; Twilio: the auth token). Empty user: no Authorization header.
  std::string provider_user;
  std::string provider_password;
  // Each HTTP exchange's wait (connect, write, whole answer). Default 30 s.
  std::chrono::milliseconds out_timeout{30000};
  // Wait after a temporary failure (429, 5xx, no answer) before that participant's SMS is
  // tried again, doubling up to out_max_backoff. Defaults 1 s and 300 s.
  std::chrono::milliseconds out_min_backoff{1000};
  std::chrono::milliseconds out_max_backoff{300000};
  // SMS participants waiting to be served at once; one past it is found again by the next
  // scan of the SMS book. Default 10,000.
  std::size_t out_max_pending = 10000;
  // Updates read from one participant's queue per turn. Default 64.
  std::size_t out_per_turn = 64;
  // Users' verified numbers and SMS participants' numbers (store/sms/sms_book.h). Empty:
  // <data_dir>/sms.sqlite.
  std::string book_path;
  // Numbers to assign at start, "USER=+NUMBER,USER=+NUMBER" (the admin's list; written to
  // the book, which keeps them). Empty: the book as it is.
  std::string numbers;

  // Number verification by users (POST /v1/sms/numbers, net/sms_verifier.h): the number the
  // codes are sent from through provider_url (one of the provider account's numbers). Empty
  // (the default): off, only sms.numbers assigns. Needs provider_url.
  std::string verify_from;
  // How long a code may be confirmed. Default 10 min: the time to read an SMS and type six
  // digits, short enough that 10^6 codes are not worth guessing.
  std::chrono::seconds verify_code_ttl{600};
  // Wrong codes before the code is dropped (a new one must be asked for). Default 5.
  std::uint32_t verify_max_attempts = 5;
  // Numbers one user may have waiting for their codes at once. Default 3.
  std::size_t verify_max_pending_per_user = 3;
  // Codes sent in any hour for one user, and to one number (whoever asks): the rate limits
  // that keep the API from texting a stranger over and over. Defaults 5 and 3.
  std::size_t verify_per_user_per_hour = 5;
  std::size_t verify_per_number_per_hour = 3;
  // Codes pending (and codes waiting to be posted) across the server; past it, 503. Default
  // 10,000.
  std::size_t verify_max_pending = 10000;
};

}  // namespace iris::sms
