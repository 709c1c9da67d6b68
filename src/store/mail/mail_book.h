#pragma once
// MailBook: what mail out needs to answer an email participant and that the queue does not
// hold (docs/PROTOCOL.md "Mail out"). An external identity's user id is a digest of its
// address (mail/address.h), so the address itself is kept here when its mail comes in;
// and a reply must name the mail it answers (In-Reply-To, References), whose Message-ID the
// queue holds only as a digest (the message's client id).
//
//  - addresses: external user -> its normalized address (written by mail in, before the
//    delivery is answered, so a thread never holds an external identity without it);
//  - received: a received mail's client id -> its Message-ID, the conversation's root and
//    subject (written by mail in; read by mail out when it passes the message in the
//    external user's queue);
//  - replies: (external user, thread) -> the last Message-ID received in the thread, its
//    root and subject (written by mail out as it passes received messages, so a reply
//    names the mail before it in the queue's order).
//
// Durability: SQLite, WAL, synchronous = FULL. Rows are small and never deleted (one per
// external address, per received mail and per mail thread): bounded by the mail taken in.
//
// Thread-safety: every method may be called from any thread; one mutex serializes them.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/ids.h"
#include "sqlite/database.h"

namespace iris::store {

struct MailRef {
  std::string message_id;  // without brackets
  std::string root;        // the conversation's first Message-ID
  std::string subject;
  bool operator==(const MailRef&) const = default;
};

class MailBook {
 public:
  // Opens (creates) the database at `path`; ":memory:" keeps it for the process's life.
  static Result<std::unique_ptr<MailBook>> open(const std::string& path);

  Result<void> remember_address(core::UserId external, const std::string& address);
  Result<std::optional<std::string>> address(core::UserId external) const;
  // Up to `max` external users with an address, after `after` (by id; 0: from the first): mail out's start.
  Result<std::vector<core::UserId>> externals(core::UserId after, std::size_t max) const;

  Result<void> remember_received(const core::ClientMsgId& client_id, const MailRef& ref);
  Result<std::optional<MailRef>> received(const core::ClientMsgId& client_id) const;

  Result<void> set_reply_to(core::UserId external, core::ThreadId thread, const MailRef& ref);
  Result<std::optional<MailRef>> reply_to(core::UserId external, core::ThreadId thread) const;

 private:
  explicit MailBook(sqlite::Database db) : db_(std::move(db)) {}
  mutable std::mutex mu_;
  sqlite::Database db_;  // guarded by mu_
};

}  // namespace iris::store
