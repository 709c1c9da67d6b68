#include "sync/error_mapping.h"

#include <gtest/gtest.h>

#include "core/errc.h"
#include "store/errc.h"
#include "sync/errc.h"
#include "wire/errc.h"

namespace iris::sync {
namespace {

using wire::ErrorCode;

TEST(ErrorMapping, EverySyncErrorHasItsOwnCode) {
  EXPECT_EQ(to_wire_error(errc::not_participant), ErrorCode::not_participant);
  EXPECT_EQ(to_wire_error(errc::unknown_thread), ErrorCode::unknown_thread);
  EXPECT_EQ(to_wire_error(errc::too_large), ErrorCode::too_large);
  EXPECT_EQ(to_wire_error(errc::invalid_request), ErrorCode::invalid_request);
}

TEST(ErrorMapping, StoreTroubleIsUnavailableButCorruptionIsInternal) {
  for (auto e : {store::errc::io_error, store::errc::store_failed, store::errc::overloaded,
                 store::errc::closed, store::errc::open_failed, store::errc::unavailable}) {
    EXPECT_EQ(to_wire_error(e), ErrorCode::unavailable) << make_error_code(e).message();
  }
  EXPECT_EQ(to_wire_error(store::errc::corrupt_record), ErrorCode::internal);
  EXPECT_EQ(to_wire_error(store::errc::invalid_request), ErrorCode::invalid_request);
  EXPECT_EQ(to_wire_error(core::errc::queue_full), ErrorCode::unavailable);
  for (auto e : {core::errc::cursor_beyond_head, core::errc::trim_past_storage_cursor,
                 core::errc::trimmed, core::errc::invalid_name}) {
    EXPECT_EQ(to_wire_error(e), ErrorCode::invalid_request);
  }
}

TEST(ErrorMapping, DecodeFailuresAreBadEncodingOrTooLarge) {
  EXPECT_EQ(to_wire_error(wire::errc::truncated), ErrorCode::bad_encoding);
  EXPECT_EQ(to_wire_error(wire::errc::malformed), ErrorCode::bad_encoding);
  EXPECT_EQ(to_wire_error(wire::errc::too_large), ErrorCode::too_large);
  EXPECT_EQ(to_wire_error(std::make_error_code(std::errc::io_error)), ErrorCode::internal);
}

}  // namespace
}  // namespace iris::sync
