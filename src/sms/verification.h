#pragma once
// Verifications: a user proving a phone number is theirs (docs/PROTOCOL.md "SMS number
// verification"), as a pure state machine: requests and the time in, outcomes out; the
// caller sends the code (net/sms_verifier.h) and writes the SMS book.
//
//   start(user, number, code, now)    a code is pending for (user, number) until now + ttl;
//                                     the caller sends it to the number
//   confirm(user, number, code, now)  the code matches: the pending entry is gone and the
//                                     caller maps the number to the user
//
// Bounds: a code lives `code_ttl`; `max_attempts` wrong guesses drop it; a user has at most
// `max_pending_per_user` numbers pending; at most `per_user_per_hour` codes are sent for
// one user and `per_number_per_hour` to one number in any hour (the window slides); the
// whole machine holds at most `max_pending` codes and as many rate entries (past that,
// errc::verification_busy after expired entries are dropped).
//
// What a caller learns: start() answers the same whoever the number belongs to (nobody,
// the caller, another user): the book is not read until confirm() succeeded, so a number's
// owner is never revealed. A number verified by another user is moved only by a confirmed
// code, that is by whoever holds the phone. Codes are compared in constant time.
//
// Not thread-safe: one owner (SmsVerifier, under its mutex).

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"
#include "core/ids.h"

namespace iris::sms {

struct VerificationLimits {
  std::chrono::seconds code_ttl{600};
  std::uint32_t max_attempts = 5;
  std::size_t max_pending_per_user = 3;
  std::size_t per_user_per_hour = 5;
  std::size_t per_number_per_hour = 3;
  std::size_t max_pending = 10000;
};

// `digits` decimal digits from OpenSSL's RAND_bytes, uniform (rejection sampling).
std::string random_code(std::size_t digits = 6);

class Verifications {
 public:
  using Time = std::chrono::steady_clock::time_point;

  explicit Verifications(VerificationLimits limits) : limits_(limits) {}

  // `number` normalized (normalize_number). A code already pending for (user, number) is
  // replaced by `code` (its attempts start again). errc::verification_rate_limited,
  // too_many_pending, verification_busy; nothing changes then.
  Result<void> start(core::UserId user, const std::string& number, std::string code, Time now);
  // errc::no_code (none pending for (user, number), or expired), wrong_code (attempts left),
  // too_many_attempts (this was the last: the code is dropped).
  Result<void> confirm(core::UserId user, const std::string& number, std::string_view code, Time now);

  std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    std::string code;
    Time expires;
    std::uint32_t attempts_left = 0;
  };
  void prune(Time now);
  static bool under(std::deque<Time>& sends, std::size_t limit, Time now);

  const VerificationLimits limits_;
  std::map<std::pair<core::UserId, std::string>, Pending> pending_;
  std::map<core::UserId, std::deque<Time>> user_sends_;  // the last hour's sends per user
  std::map<std::string, std::deque<Time>> number_sends_;  // and per number
};

}  // namespace iris::sms
