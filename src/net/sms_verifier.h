#pragma once
// SmsVerifier: users verifying their own phone numbers (docs/PROTOCOL.md "SMS number
// verification"): POST /v1/sms/numbers asks for a code, which is texted to the number from
// sms.verify_from through sms.provider_url; POST /v1/sms/numbers/verify with that code
// assigns the number to the user in the SMS book (store/sms/sms_book.h), moving it from
// whoever had it. The rules and bounds are sms::Verifications' (sms/verification.h).
//
// Threads: request() and confirm() run on the HTTP shards' threads (a mutex around the
// machine; confirm() writes the book, one short SQLite transaction); the codes are posted by
// a thread of its own from a bounded outbox (sms.verify_max_pending), so the provider's
// waits never hold up a shard. A code the provider refuses for now (429, 5xx, no answer) is
// tried again twice, after sms.out_min_backoff_ms and twice that; then it is dropped (logged)
// and the user asks again. Pending codes live in memory: a restart drops them (the user asks
// again), and in a cell the user's owner server holds them (the API is forwarded there).
// Codes are never logged.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/result.h"
#include "core/ids.h"
#include "sms/outgoing.h"
#include "sms/sms_options.h"
#include "sms/verification.h"
#include "store/sms/sms_book.h"

namespace iris::net {

class SmsVerifier {
 public:
  struct Metrics {
    std::uint64_t codes_sent = 0;     // the provider accepted the code's SMS
    std::uint64_t codes_failed = 0;   // dropped: refused for good, or still failing after the retries
    std::uint64_t verified = 0;       // numbers assigned by a confirmed code
    std::uint64_t refused = 0;        // requests and confirmations refused (rate, wrong code, ...)
  };

  // `options` and `book` must outlive the verifier. Requires a valid provider_url and a
  // verify_from number.
  SmsVerifier(const sms::SmsOptions& options, store::SmsBook& book);
  ~SmsVerifier();
  SmsVerifier(const SmsVerifier&) = delete;
  SmsVerifier& operator=(const SmsVerifier&) = delete;

  void start();
  // Ends the post in progress (bounded by sms.out_timeout_ms) and joins; codes not yet
  // posted are dropped. Idempotent.
  void stop();

  // A code for `number` (as the user typed it) to be texted to it. sms::errc::bad_number,
  // verification_rate_limited, too_many_pending, verification_busy. Answers alike whoever
  // the number belongs to.
  Result<std::string> request(core::UserId user, std::string_view number);
  // The number (normalized) now belongs to `user`. sms::errc::bad_number, no_code,
  // wrong_code, too_many_attempts; a store error when the book cannot be written.
  Result<std::string> confirm(core::UserId user, std::string_view number, std::string_view code);

  std::chrono::seconds code_ttl() const { return options_.verify_code_ttl; }
  Metrics metrics() const;

 private:
  struct Outgoing {
    std::string to;
    std::string text;
    int tries = 0;
    std::chrono::steady_clock::time_point not_before;
  };
  void loop();

  const sms::SmsOptions& options_;
  store::SmsBook& book_;
  const sms::HttpUrl url_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  sms::Verifications machine_;   // by mu_
  std::deque<Outgoing> outbox_;  // by mu_
  bool stopping_ = false;        // by mu_
  Metrics metrics_;              // by mu_
  std::thread thread_;
};

}  // namespace iris::net
