#include "sync/error_mapping.h"

#include "core/errc.h"
#include "store/blob/blob_errc.h"
#include "store/errc.h"
#include "sync/errc.h"
#include "wire/errc.h"

namespace iris::sync {

wire::ErrorCode to_wire_error(std::error_code ec) {
  using wire::ErrorCode;
  if (ec.category() == sync::error_category()) {
    switch (static_cast<sync::errc>(ec.value())) {
      case errc::not_participant: return ErrorCode::not_participant;
      case errc::unknown_thread: return ErrorCode::unknown_thread;
      case errc::too_large: return ErrorCode::too_large;
      case errc::invalid_request: return ErrorCode::invalid_request;
      case errc::not_allowed: return ErrorCode::forbidden;
      case errc::rate_limited: return ErrorCode::rate_limited;
      case errc::unknown_message: return ErrorCode::unknown_message;
      case errc::too_late: return ErrorCode::too_late;
      // The cell link's own refusals: never a device's answer, but mapped like the rest.
      case errc::not_owner: return ErrorCode::unavailable;
      case errc::bad_frame:
      case errc::unknown_frame_version: return ErrorCode::bad_encoding;
      case errc::not_accepted: return ErrorCode::not_accepted;
    }
  }
  if (ec.category() == core::error_category()) {
    switch (static_cast<core::errc>(ec.value())) {
      // A queue stays full until the retention trimmer drops its oldest updates (days): a
      // retry cannot help, so never `unavailable`.
      case core::errc::queue_full:
      case core::errc::share_full: return ErrorCode::queue_full;
      case core::errc::cursor_beyond_head:
      case core::errc::trim_past_storage_cursor:
      case core::errc::trimmed:
      case core::errc::invalid_name: return ErrorCode::invalid_request;
    }
  }
  if (ec.category() == store::error_category()) {
    switch (static_cast<store::errc>(ec.value())) {
      case store::errc::overloaded:
      case store::errc::closed:
      case store::errc::io_error:
      case store::errc::store_failed:
      case store::errc::open_failed:
      case store::errc::not_owner:
      case store::errc::unavailable: return ErrorCode::unavailable;
      case store::errc::corrupt_record: return ErrorCode::internal;
      case store::errc::invalid_request: return ErrorCode::invalid_request;
    }
  }
  if (ec.category() == store::blob_error_category()) {
    switch (static_cast<store::blob_errc>(ec.value())) {
      // A send citing a blob its sender did not upload (or that is gone): the same answer
      // whether or not the blob exists, so a send cannot probe for other users' blobs.
      case store::blob_errc::not_found:
      case store::blob_errc::bad_reference:
      case store::blob_errc::bad_range:
      case store::blob_errc::unsupported_type: return ErrorCode::invalid_request;
      case store::blob_errc::too_large: return ErrorCode::too_large;
      case store::blob_errc::busy:
      case store::blob_errc::io_error: return ErrorCode::unavailable;
    }
  }
  if (ec.category() == wire::error_category()) {
    return ec == wire::errc::too_large ? ErrorCode::too_large : ErrorCode::bad_encoding;
  }
  return ErrorCode::internal;
}

}  // namespace iris::sync
