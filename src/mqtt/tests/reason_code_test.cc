#include "mqtt/reason_code.h"

#include <gtest/gtest.h>

namespace iris::mqtt {
namespace {

constexpr int kLastErrc = static_cast<int>(errc::quota_exceeded);

TEST(ReasonCode, EveryErrcHasAMessageAndAFailureReasonAllowedInDisconnect) {
  for (int i = 1; i <= kLastErrc; ++i) {
    const auto e = static_cast<errc>(i);
    EXPECT_NE(make_error_code(e).message(), "unknown mqtt error") << i;
    const ReasonCode rc = to_reason_code(e);
    EXPECT_TRUE(is_failure(rc)) << i;
    // Every error but the CONNECT-only ones can end a connection with DISCONNECT.
    if (e != errc::unsupported_protocol_version && e != errc::client_id_rejected &&
        e != errc::bad_user_name_or_password && e != errc::bad_authentication_method) {
      EXPECT_TRUE(is_allowed(PacketType::disconnect, rc)) << i;
    } else {
      EXPECT_TRUE(is_allowed(PacketType::connack, rc)) << i;
    }
  }
}

TEST(ReasonCode, MalformedInputMapsTo0x81) {
  EXPECT_EQ(to_reason_code(errc::invalid_utf8), ReasonCode::malformed_packet);
  EXPECT_EQ(to_reason_code(errc::truncated_packet), ReasonCode::malformed_packet);
  EXPECT_EQ(to_reason_code(errc::first_packet_not_connect), ReasonCode::protocol_error);
}

TEST(ReasonCode, V3ConnackCodesRoundTrip) {
  for (std::uint8_t code = 0; code <= 5; ++code) {
    EXPECT_EQ(to_v3_connack_code(from_v3_connack_code(code)), code);
  }
  EXPECT_EQ(to_v3_connack_code(ReasonCode::server_busy), 3);
}

TEST(ReasonCode, EveryCodeHasAName) {
  for (int i = 0; i < 256; ++i) {
    const auto rc = static_cast<ReasonCode>(i);
    if (is_allowed(PacketType::connack, rc) || is_allowed(PacketType::disconnect, rc) ||
        is_allowed(PacketType::suback, rc) || is_allowed(PacketType::auth, rc)) {
      EXPECT_NE(to_string(rc), "unknown reason code") << i;
    }
  }
}

}  // namespace
}  // namespace iris::mqtt
