#include "sync/error_mapping.h"

#include <gtest/gtest.h>

#include <map>

#include "core/errc.h"
#include "store/blob/blob_errc.h"
#include "store/errc.h"
#include "sync/errc.h"
#include "wire/errc.h"

namespace iris::sync {
namespace {

using wire::ErrorCode;

// Every value a category names: its message is not the category's fallback for unknown
// values (each errc.cc ends its switch with "unknown <part> error"), so an enumerator added
// later is covered here without editing this list.
std::vector<std::error_code> every_enumerator(const std::error_category& category) {
  std::vector<std::error_code> out;
  for (int v = 1; v < 256; ++v) {
    if (category.message(v).starts_with("unknown ") && category.message(v).ends_with(" error")) continue;
    out.emplace_back(v, category);
  }
  return out;
}

// Retrying the same request (same client id) can succeed only after these: nothing else may
// be answered with a retryable code.
bool retryable(ErrorCode code) { return code == ErrorCode::unavailable || code == ErrorCode::rate_limited; }

TEST(ErrorMapping, EverySyncErrorHasItsOwnCode) {
  EXPECT_EQ(to_wire_error(errc::not_participant), ErrorCode::not_participant);
  EXPECT_EQ(to_wire_error(errc::unknown_thread), ErrorCode::unknown_thread);
  EXPECT_EQ(to_wire_error(errc::too_large), ErrorCode::too_large);
  EXPECT_EQ(to_wire_error(errc::invalid_request), ErrorCode::invalid_request);
  EXPECT_EQ(to_wire_error(errc::not_allowed), ErrorCode::forbidden);
  EXPECT_EQ(to_wire_error(errc::rate_limited), ErrorCode::rate_limited);
  EXPECT_EQ(to_wire_error(errc::unknown_message), ErrorCode::unknown_message);
  EXPECT_EQ(to_wire_error(errc::too_late), ErrorCode::too_late);
  EXPECT_EQ(to_wire_error(errc::not_owner), ErrorCode::unavailable);
  EXPECT_EQ(to_wire_error(errc::bad_frame), ErrorCode::bad_encoding);
  EXPECT_EQ(to_wire_error(errc::unknown_frame_version), ErrorCode::bad_encoding);
  EXPECT_EQ(to_wire_error(errc::not_accepted), ErrorCode::not_accepted);
  EXPECT_EQ(every_enumerator(error_category()).size(), 12u) << "a new sync::errc: map it and list it here";
}

TEST(ErrorMapping, StoreTroubleIsUnavailableButCorruptionIsInternal) {
  for (auto e : {store::errc::io_error, store::errc::store_failed, store::errc::overloaded,
                 store::errc::closed, store::errc::open_failed, store::errc::unavailable,
                 store::errc::not_owner}) {
    EXPECT_EQ(to_wire_error(e), ErrorCode::unavailable) << make_error_code(e).message();
  }
  EXPECT_EQ(to_wire_error(store::errc::corrupt_record), ErrorCode::internal);
  EXPECT_EQ(to_wire_error(store::errc::invalid_request), ErrorCode::invalid_request);
  for (auto e : {core::errc::cursor_beyond_head, core::errc::trim_past_storage_cursor,
                 core::errc::trimmed, core::errc::invalid_name}) {
    EXPECT_EQ(to_wire_error(e), ErrorCode::invalid_request);
  }
}

TEST(ErrorMapping, AFullQueueOrShareIsQueueFullNeverUnavailable) {
  EXPECT_EQ(to_wire_error(core::errc::queue_full), ErrorCode::queue_full);
  EXPECT_EQ(to_wire_error(core::errc::share_full), ErrorCode::queue_full);
  EXPECT_FALSE(retryable(ErrorCode::queue_full));
}

// Only conditions that pass by themselves (the store back, a rate limit's window over) may
// be answered with a code that tells the client to retry the same request.
TEST(ErrorMapping, OnlyTransientConditionsAreRetryable) {
  const std::map<std::string, std::vector<std::error_code>> parts = {
      {"core", every_enumerator(core::error_category())},
      {"sync", every_enumerator(error_category())},
      {"store", every_enumerator(store::error_category())},
      {"wire", every_enumerator(wire::error_category())},
      {"blob", every_enumerator(store::blob_error_category())}};
  std::size_t transient = 0;
  for (const auto& [part, codes] : parts) {
    ASSERT_FALSE(codes.empty()) << part;
    for (const auto& ec : codes) {
      const ErrorCode code = to_wire_error(ec);
      // not_owner: the sender's ring and ours disagree for a moment; a re-send lands.
      const bool expect_retry = ec == errc::rate_limited || ec == errc::not_owner || ec == store::blob_errc::busy ||
                                ec == store::blob_errc::io_error ||
                                (ec.category() == store::error_category() &&
                                 ec != store::errc::corrupt_record && ec != store::errc::invalid_request);
      EXPECT_EQ(retryable(code), expect_retry) << part << ": " << ec.message();
      if (expect_retry) ++transient;
      if (ec != store::errc::corrupt_record) {
        EXPECT_NE(code, ErrorCode::internal) << part << ": " << ec.message() << " has no code of its own";
      }
    }
  }
  EXPECT_GE(transient, 7u);
}

TEST(ErrorMapping, DecodeFailuresAreBadEncodingOrTooLarge) {
  EXPECT_EQ(to_wire_error(wire::errc::truncated), ErrorCode::bad_encoding);
  EXPECT_EQ(to_wire_error(wire::errc::malformed), ErrorCode::bad_encoding);
  EXPECT_EQ(to_wire_error(wire::errc::too_large), ErrorCode::too_large);
  EXPECT_EQ(to_wire_error(std::make_error_code(std::errc::io_error)), ErrorCode::internal);
}

TEST(ErrorMapping, CodesNewerThanThePeerBecomeTheClosestItKnows) {
  for (std::int32_t old : {0, 1, 2, 3}) {
    EXPECT_EQ(wire::code_for_version(ErrorCode::queue_full, old), ErrorCode::too_large) << old;
    EXPECT_EQ(wire::code_for_version(ErrorCode::forbidden, old), ErrorCode::not_participant) << old;
    EXPECT_EQ(wire::code_for_version(ErrorCode::rate_limited, old), ErrorCode::rate_limited) << old;
  }
  EXPECT_EQ(wire::code_for_version(ErrorCode::queue_full, 4), ErrorCode::queue_full);
  EXPECT_EQ(wire::code_for_version(ErrorCode::forbidden, wire::kProtocolVersion), ErrorCode::forbidden);
  // Version 5's codes: forbidden for version 4, and what forbidden becomes before that.
  EXPECT_EQ(wire::code_for_version(ErrorCode::too_late, 4), ErrorCode::forbidden);
  EXPECT_EQ(wire::code_for_version(ErrorCode::too_late, 3), ErrorCode::not_participant);
  EXPECT_EQ(wire::code_for_version(ErrorCode::unknown_message, 4), ErrorCode::invalid_request);
  EXPECT_EQ(wire::code_for_version(ErrorCode::unknown_message, 0), ErrorCode::invalid_request);
  EXPECT_EQ(wire::code_for_version(ErrorCode::too_late, 5), ErrorCode::too_late);
  EXPECT_EQ(wire::code_for_version(ErrorCode::unknown_message, 5), ErrorCode::unknown_message);
  // Version 6's not_accepted: forbidden for version 4 and 5, not_participant before that.
  EXPECT_EQ(wire::code_for_version(ErrorCode::not_accepted, 5), ErrorCode::forbidden);
  EXPECT_EQ(wire::code_for_version(ErrorCode::not_accepted, 4), ErrorCode::forbidden);
  EXPECT_EQ(wire::code_for_version(ErrorCode::not_accepted, 3), ErrorCode::not_participant);
  EXPECT_EQ(wire::code_for_version(ErrorCode::not_accepted, 6), ErrorCode::not_accepted);
}

}  // namespace
}  // namespace iris::sync
