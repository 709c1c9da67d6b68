#pragma once
// Mail addresses and the users they stand for (docs/PROTOCOL.md "Mail"). Pure.
//
//  - A recipient is `<user id>@<mail.domain>`: the local part is the user id in its one
//    decimal spelling (core::parse_id), the domain compared without case.
//  - An external sender (someone with a mail address, not an Iris user) is a derived user
//    id: the top bit set, the low 63 bits from the SHA-256 of the normalized address. So
//    one address is always one user, on every server and after every restart, with no
//    table to keep; its queue holds the threads it is in, like any user's. Ids with the top
//    bit set are reserved for such external identities (is_external): mail addresses here,
//    phone numbers (SMS) by the same rule with their own prefix.

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "core/ids.h"

namespace iris::mail {

// `address` (angle brackets allowed around it) as compared: lowercased, one '@' with a
// non-empty local part and domain, printable ASCII without spaces or '<>', at most 254
// bytes (RFC 5321 §4.5.3.1.3). errc::bad_address otherwise.
Result<std::string> normalize_address(std::string_view address);

// The user `address` delivers to: errc::bad_address, or errc::unknown_recipient when the
// domain is not `domain` (empty: any) or the local part is not a user id (or names an
// external identity, which has no mailbox here).
Result<core::UserId> recipient_user(std::string_view address, std::string_view domain);

// The external identity of a sender's normalized address (see above).
core::UserId external_user(std::string_view normalized_address);

// Whether `user` is an external identity (top bit set), never an Iris account.
bool is_external(core::UserId user);

}  // namespace iris::mail
