#pragma once
// irisd's one-shot commands beside the server: `irisd token`, `irisd trim`, `irisd db promote`. Each returns
// the process's exit code and says what went wrong on stderr.

#include "apps/irisd/config.h"

namespace iris::irisd {

// Prints one device token signed with the server's secret (created if missing); 1 if the
// secret cannot be read or created.
int issue_token(const Parsed& parsed);

// Catches the user's history up (the writer moves the storage cursor), then trims the user's
// queue up to the given seq, never past what history holds; 1 with the reason on failure (the
// store is locked by a running server, history is unavailable, the seq is past the head ...).
// Requires: the server is stopped.
int trim_queue(const Parsed& parsed);

// `irisd db promote`: promotes the replica of the replicated MariaDB pair (see
// dbpair/manual_promote.h), prints what it did; 1 with the reason if it refused or failed.
int db_promote(const Parsed& parsed);

}  // namespace iris::irisd
