#pragma once
// Errors of the blob store and its index (store/blob/). net/http_status.h maps each to an
// HTTP status, sync/ maps them to wire error codes for a send with attachments.

#include <system_error>

namespace iris::store {

enum class blob_errc {
  // No such blob, or (for a download or a reference) none the asking user may see: callers
  // answer both alike, so nobody learns whether bytes they may not read exist.
  not_found = 1,
  // An upload over blobs.max_bytes, or a range that does not fit the blob.
  too_large,
  // An upload whose Content-Type is not in blobs.allowed_types.
  unsupported_type,
  // blobs.max_concurrent_uploads uploads are already running: retry shortly.
  busy,
  // A requested byte range outside the blob (HTTP 416).
  bad_range,
  // Reading, writing, syncing or renaming a blob file, or the index database, failed.
  io_error,
  // An attachment reference that does not match the blob its sender uploaded (size or type),
  // or over blobs.max_attachments / blobs.max_name_bytes.
  bad_reference,
};

const std::error_category& blob_error_category();
std::error_code make_error_code(blob_errc e);

}  // namespace iris::store

template <>
struct std::is_error_code_enum<iris::store::blob_errc> : std::true_type {};
