#pragma once
// SmsBook: the phone numbers SMS in and out need (docs/PROTOCOL.md "SMS"), in the same kind
// of store as the mail book (SQLite, WAL, synchronous = FULL).
//
//  - numbers: a verified number -> the Iris user it belongs to (set by the admin:
//    sms.numbers, or assign()). An SMS to that number is delivered to that user, and the
//    user's replies to SMS participants are sent from it (its first number).
//  - participants: an SMS participant (external identity, sms/webhook.h) -> its number
//    (written by SMS in before the provider is answered, so a thread never holds an SMS
//    participant without it).
//
// Rows are small and never deleted but by unassign(): bounded by the numbers seen.
// Thread-safety: every method may be called from any thread; one mutex serializes them.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/ids.h"
#include "sqlite/database.h"

namespace iris::store {

class SmsBook {
 public:
  // Opens (creates) the database at `path`; ":memory:" keeps it for the process's life.
  static Result<std::unique_ptr<SmsBook>> open(const std::string& path);

  // `number` (normalized) now belongs to `user` (a number belongs to one user at most).
  Result<void> assign(const std::string& number, core::UserId user);
  Result<void> unassign(const std::string& number);
  Result<std::optional<core::UserId>> owner(const std::string& number) const;
  // The user's first number (the smallest), the sender of its SMS out.
  Result<std::optional<std::string>> number_of(core::UserId user) const;

  Result<void> remember_participant(core::UserId external, const std::string& number);
  Result<std::optional<std::string>> participant_number(core::UserId external) const;
  // Up to `max` SMS participants after `after` (0: from the first), by id: SMS out's start.
  Result<std::vector<core::UserId>> participants(core::UserId after, std::size_t max) const;

 private:
  explicit SmsBook(sqlite::Database db) : db_(std::move(db)) {}
  mutable std::mutex mu_;
  sqlite::Database db_;  // guarded by mu_
};

}  // namespace iris::store
