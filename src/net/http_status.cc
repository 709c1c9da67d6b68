#include "net/http_status.h"

#include "net/errc.h"
#include "sms/errc.h"
#include "store/blob/blob_errc.h"
#include "sync/error_mapping.h"

namespace iris::net {

HttpError http_error(wire::ErrorCode code) {
  using wire::ErrorCode;
  switch (code) {
    case ErrorCode::not_participant: return {403, code, false};
    case ErrorCode::unknown_thread: return {404, code, false};
    case ErrorCode::too_large: return {413, code, false};
    case ErrorCode::bad_encoding:
    case ErrorCode::invalid_request: return {400, code, false};
    case ErrorCode::rate_limited: return {429, code, true};
    case ErrorCode::queue_full: return {409, code, false};
    case ErrorCode::forbidden:
    case ErrorCode::not_accepted:
    case ErrorCode::too_late: return {403, code, false};
    case ErrorCode::unknown_message: return {404, code, false};
    case ErrorCode::unavailable: return {503, code, true};
    case ErrorCode::internal: return {500, code, false};
  }
  return {500, ErrorCode::internal, false};
}

HttpError http_error(std::error_code ec) {
  using wire::ErrorCode;
  if (ec.category() == error_category()) {
    switch (static_cast<errc>(ec.value())) {
      case errc::missing_token:
      case errc::bad_token:
      case errc::token_expired:
      case errc::token_mismatch: return {401, ErrorCode::invalid_request, false};
      case errc::no_route:
      case errc::no_discovery: return {404, ErrorCode::invalid_request, false};
      case errc::method_not_allowed: return {405, ErrorCode::invalid_request, false};
      case errc::bad_query: return {400, ErrorCode::invalid_request, false};
      case errc::body_too_large: return {413, ErrorCode::too_large, false};
      case errc::unsupported_media_type: return {415, ErrorCode::bad_encoding, false};
      case errc::shard_busy: return {503, ErrorCode::unavailable, true};
      case errc::route_unknown:
      case errc::report_pending: return {503, ErrorCode::unavailable, true};
      case errc::not_admin: return {403, ErrorCode::invalid_request, false};
      case errc::header_too_large: return {431, ErrorCode::too_large, false};
      case errc::chunk_extensions_too_large: return {413, ErrorCode::too_large, false};
      case errc::malformed_request: return {400, ErrorCode::invalid_request, false};
      case errc::unsupported_transfer_encoding: return {501, ErrorCode::invalid_request, false};
      case errc::unsupported_content_encoding: return {415, ErrorCode::bad_encoding, false};
      case errc::bad_content_encoding: return {400, ErrorCode::bad_encoding, false};
      case errc::not_an_upgrade: return {400, ErrorCode::invalid_request, false};
      case errc::too_many_polls: return {503, ErrorCode::unavailable, true};
      case errc::owner_unavailable: return {503, ErrorCode::unavailable, true};
      case errc::bad_owner_answer: return {502, ErrorCode::internal, false};
      case errc::listen_failed:
      case errc::tls_setup_failed: return {500, ErrorCode::internal, false};
    }
    return {500, ErrorCode::internal, false};
  }
  if (ec.category() == store::blob_error_category()) {
    switch (static_cast<store::blob_errc>(ec.value())) {
      case store::blob_errc::not_found: return {404, ErrorCode::invalid_request, false};
      case store::blob_errc::too_large: return {413, ErrorCode::too_large, false};
      case store::blob_errc::unsupported_type: return {415, ErrorCode::bad_encoding, false};
      case store::blob_errc::busy: return {503, ErrorCode::unavailable, true};
      case store::blob_errc::bad_range: return {416, ErrorCode::invalid_request, false};
      case store::blob_errc::io_error: return {503, ErrorCode::unavailable, true};
      case store::blob_errc::bad_reference: return {400, ErrorCode::invalid_request, false};
    }
    return {500, ErrorCode::internal, false};
  }
  if (ec.category() == sms::category()) {
    switch (static_cast<sms::errc>(ec.value())) {
      case sms::errc::bad_form:
      case sms::errc::bad_number: return {400, ErrorCode::invalid_request, false};
      case sms::errc::verification_rate_limited:
      case sms::errc::too_many_pending: return {429, ErrorCode::rate_limited, true};
      case sms::errc::verification_busy: return {503, ErrorCode::unavailable, true};
      case sms::errc::no_code: return {404, ErrorCode::invalid_request, false};
      case sms::errc::wrong_code:
      case sms::errc::too_many_attempts: return {403, ErrorCode::forbidden, false};
      case sms::errc::verification_off: return {404, ErrorCode::invalid_request, false};
    }
    return {500, ErrorCode::internal, false};
  }
  return http_error(sync::to_wire_error(ec));
}

}  // namespace iris::net
