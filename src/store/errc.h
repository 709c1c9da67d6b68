#pragma once
// Errors of the queue store. Model errors (queue_full, cursor_beyond_head,
// trim_past_storage_cursor, trimmed) come back as core::errc; these are the storage ones.

#include <system_error>

namespace iris::store {

enum class errc {
  // The underlying database reported an I/O error; the operation's outcome is not durable.
  io_error = 1,
  // A stored record could not be decoded (unknown version or kind, truncated, trailing
  // bytes). The key is logged; the record is left as it is for inspection.
  corrupt_record,
  // An earlier write failed and the store has not recovered yet: it refuses writes while it
  // retries (StoreOptions::recovery_backoff), so that nothing is written on top of a write
  // whose outcome on disk is unknown. Retryable: the store recovers by itself once the cause
  // (e.g. a full disk) is gone.
  store_failed,
  // More operations are waiting for the commit thread than StoreOptions::max_pending allows.
  overloaded,
  // The store is closing or closed.
  closed,
  // The database could not be opened (missing directory, locked by another process ...).
  open_failed,
  // An append request was empty or named one user twice with conflicting limits.
  invalid_request,
  // The database cannot serve now: a MariaDB server that is down, read-only (fenced or not
  // yet promoted), too slow (a timeout) or answered an error, with no writable server found;
  // or the history store is switched off (HistoryStore::set_unavailable, a fault drill).
  // Retryable: the MariaDB layer reconnects and finds the writable server by itself. An
  // operation that failed so was not acknowledged (it may still have committed if the
  // connection broke during COMMIT: a retried send is answered from its idempotency record).
  unavailable,
  // Ownership fencing (docs/CLUSTER.md "Ownership and fencing"): an append names a user whose
  // owner row names another server, or a claim finds the user held by another server at a
  // term not below the claimer's. Nothing was written. Retryable: the device reconnects and
  // reaches the user's current owner (sync maps it to `unavailable`).
  not_owner,
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

}  // namespace iris::store

template <>
struct std::is_error_code_enum<iris::store::errc> : std::true_type {};
