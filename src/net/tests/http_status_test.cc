#include "net/http_status.h"

#include <gtest/gtest.h>

#include "core/errc.h"
#include "net/errc.h"
#include "sms/errc.h"
#include "store/blob/blob_errc.h"
#include "store/errc.h"
#include "sync/errc.h"
#include "wire/errc.h"

namespace iris::net {
namespace {

using wire::ErrorCode;

TEST(HttpStatus, MapsEveryWireErrorCode) {
  EXPECT_EQ(http_error(ErrorCode::not_participant), (HttpError{403, ErrorCode::not_participant, false}));
  EXPECT_EQ(http_error(ErrorCode::too_late), (HttpError{403, ErrorCode::too_late, false}));
  EXPECT_EQ(http_error(ErrorCode::unknown_message), (HttpError{404, ErrorCode::unknown_message, false}));
  EXPECT_EQ(http_error(ErrorCode::too_large), (HttpError{413, ErrorCode::too_large, false}));
  EXPECT_EQ(http_error(ErrorCode::bad_encoding), (HttpError{400, ErrorCode::bad_encoding, false}));
  EXPECT_EQ(http_error(ErrorCode::unknown_thread), (HttpError{404, ErrorCode::unknown_thread, false}));
  EXPECT_EQ(http_error(ErrorCode::rate_limited), (HttpError{429, ErrorCode::rate_limited, true}));
  EXPECT_EQ(http_error(ErrorCode::invalid_request), (HttpError{400, ErrorCode::invalid_request, false}));
  EXPECT_EQ(http_error(ErrorCode::unavailable), (HttpError{503, ErrorCode::unavailable, true}));
  EXPECT_EQ(http_error(ErrorCode::internal), (HttpError{500, ErrorCode::internal, false}));
  EXPECT_EQ(http_error(ErrorCode::queue_full), (HttpError{409, ErrorCode::queue_full, false}));
  EXPECT_EQ(http_error(ErrorCode::forbidden), (HttpError{403, ErrorCode::forbidden, false}));
}

TEST(HttpStatus, MapsEveryNetError) {
  auto status = [](errc e) { return http_error(make_error_code(e)).status; };
  EXPECT_EQ(status(errc::bad_token), 401u);
  EXPECT_EQ(status(errc::token_expired), 401u);
  EXPECT_EQ(status(errc::token_mismatch), 401u);
  EXPECT_EQ(status(errc::missing_token), 401u);
  EXPECT_EQ(status(errc::listen_failed), 500u);
  EXPECT_EQ(status(errc::tls_setup_failed), 500u);
  EXPECT_EQ(status(errc::no_route), 404u);
  EXPECT_EQ(status(errc::method_not_allowed), 405u);
  EXPECT_EQ(status(errc::bad_query), 400u);
  EXPECT_EQ(status(errc::body_too_large), 413u);
  EXPECT_EQ(status(errc::unsupported_media_type), 415u);
  EXPECT_EQ(status(errc::shard_busy), 503u);
  EXPECT_EQ(status(errc::header_too_large), 431u);
  EXPECT_EQ(status(errc::chunk_extensions_too_large), 413u);
  EXPECT_EQ(status(errc::malformed_request), 400u);
  EXPECT_EQ(status(errc::unsupported_transfer_encoding), 501u);
  EXPECT_EQ(status(errc::unsupported_content_encoding), 415u);
  EXPECT_EQ(status(errc::bad_content_encoding), 400u);
  EXPECT_EQ(status(errc::not_an_upgrade), 400u);
  EXPECT_EQ(status(errc::too_many_polls), 503u);
  EXPECT_TRUE(http_error(make_error_code(errc::too_many_polls)).retry_after);
  EXPECT_TRUE(http_error(make_error_code(errc::shard_busy)).retry_after);
  EXPECT_EQ(http_error(make_error_code(errc::shard_busy)).code, ErrorCode::unavailable);
  // In a cell: an owner that cannot answer now is retried; one that answers garbage is not.
  EXPECT_EQ(status(errc::owner_unavailable), 503u);
  EXPECT_TRUE(http_error(make_error_code(errc::owner_unavailable)).retry_after);
  EXPECT_EQ(status(errc::bad_owner_answer), 502u);
}

TEST(HttpStatus, MapsEveryBlobError) {
  auto status = [](store::blob_errc e) { return http_error(make_error_code(e)).status; };
  EXPECT_EQ(status(store::blob_errc::not_found), 404u);
  EXPECT_EQ(status(store::blob_errc::too_large), 413u);
  EXPECT_EQ(status(store::blob_errc::unsupported_type), 415u);
  EXPECT_EQ(status(store::blob_errc::busy), 503u);
  EXPECT_EQ(status(store::blob_errc::bad_range), 416u);
  EXPECT_EQ(status(store::blob_errc::io_error), 503u);
  EXPECT_EQ(status(store::blob_errc::bad_reference), 400u);
  EXPECT_TRUE(http_error(make_error_code(store::blob_errc::busy)).retry_after);
  EXPECT_EQ(store::blob_error_category().message(8), "unknown blob error") << "a new blob_errc: map it here";
}

TEST(HttpStatus, MapsEverySmsError) {
  auto status = [](sms::errc e) { return http_error(make_error_code(e)).status; };
  EXPECT_EQ(status(sms::errc::bad_form), 400u);
  EXPECT_EQ(status(sms::errc::bad_number), 400u);
  EXPECT_EQ(status(sms::errc::verification_rate_limited), 429u);
  EXPECT_EQ(status(sms::errc::too_many_pending), 429u);
  EXPECT_EQ(status(sms::errc::verification_busy), 503u);
  EXPECT_EQ(status(sms::errc::no_code), 404u);
  EXPECT_EQ(status(sms::errc::wrong_code), 403u);
  EXPECT_EQ(status(sms::errc::too_many_attempts), 403u);
  EXPECT_EQ(status(sms::errc::verification_off), 404u);
  EXPECT_TRUE(http_error(make_error_code(sms::errc::verification_rate_limited)).retry_after);
  EXPECT_EQ(sms::category().message(10), "unknown sms error") << "a new sms::errc: map it here";
}

TEST(HttpStatus, MapsOtherPartsErrorsThroughTheWireCode) {
  EXPECT_EQ(http_error(make_error_code(sync::errc::not_participant)).status, 403u);
  EXPECT_EQ(http_error(make_error_code(sync::errc::too_large)).status, 413u);
  EXPECT_EQ(http_error(make_error_code(store::errc::overloaded)),
            (HttpError{503, ErrorCode::unavailable, true}));
  // Issue 23: a full queue is not a condition a retry fixes, so no 503 with Retry-After.
  EXPECT_EQ(http_error(make_error_code(core::errc::queue_full)), (HttpError{409, ErrorCode::queue_full, false}));
  EXPECT_EQ(http_error(make_error_code(wire::errc::malformed)).status, 400u);
  EXPECT_EQ(http_error(std::make_error_code(std::errc::io_error)).status, 500u);
}

}  // namespace
}  // namespace iris::net
