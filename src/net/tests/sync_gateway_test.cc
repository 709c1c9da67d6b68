#include "net/sync_gateway.h"

#include <gtest/gtest.h>

#include <map>

#include "wire/codec.h"

namespace iris::net {
namespace {

using mqtt::ReasonCode;
using wire::ErrorCode;

// Every wire::ErrorCode there is, as the wire decoder knows them: an Error carrying code v
// is decodable exactly when v is an enumerator (wire/convert.cc refuses any other value), so
// a code added to the protocol shows up here without editing this test.
std::vector<ErrorCode> every_error_code() {
  const std::string probe = wire::encode(wire::Message{wire::Error{std::nullopt, ErrorCode::internal, "", std::nullopt}});
  // The code is a compact i32: zigzag varint, 8 -> 0x10, the only such byte in the probe.
  const auto at = probe.find('\x10');
  EXPECT_NE(at, std::string::npos);
  EXPECT_EQ(probe.find('\x10', at + 1), std::string::npos);
  std::vector<ErrorCode> out;
  for (int v = 1; v < 64; ++v) {  // one-byte zigzag varints
    std::string bytes = probe;
    bytes[at] = static_cast<char>(2 * v);
    auto m = wire::decode<wire::Message>(bytes);
    if (m) out.push_back(std::get<wire::Error>(*m).code);
  }
  return out;
}

TEST(SyncGateway, MapsEveryWireErrorCodeToAPubackReason) {
  const std::map<ErrorCode, ReasonCode> expected = {
      {ErrorCode::not_participant, ReasonCode::not_authorized},
      {ErrorCode::forbidden, ReasonCode::not_authorized},
      {ErrorCode::unknown_thread, ReasonCode::not_authorized},
      {ErrorCode::too_large, ReasonCode::quota_exceeded},
      {ErrorCode::queue_full, ReasonCode::quota_exceeded},
      {ErrorCode::rate_limited, ReasonCode::quota_exceeded},
      {ErrorCode::bad_encoding, ReasonCode::payload_format_invalid},
      {ErrorCode::invalid_request, ReasonCode::implementation_specific_error},
      {ErrorCode::unavailable, ReasonCode::unspecified_error},
      {ErrorCode::internal, ReasonCode::unspecified_error},
  };
  const auto all = every_error_code();
  EXPECT_EQ(all.size(), expected.size());
  for (ErrorCode code : all) {
    const auto it = expected.find(code);
    ASSERT_NE(it, expected.end()) << "wire::ErrorCode " << static_cast<int>(code)
                                  << " is new: map it in puback_reason and list it here";
    EXPECT_EQ(puback_reason(code), it->second) << static_cast<int>(code);
    EXPECT_TRUE(mqtt::is_failure(puback_reason(code))) << "a refusal is never acknowledged as success";
  }
}

TEST(SyncGateway, TellsAJsonPayloadFromACompactOne) {
  EXPECT_EQ(encoding_of(R"({"resume_request":{}})"), sync::Encoding::json);
  EXPECT_EQ(encoding_of(wire::encode(wire::Message{wire::Heartbeat{}})), sync::Encoding::thrift_compact);
  EXPECT_EQ(encoding_of(""), sync::Encoding::thrift_compact);
}

}  // namespace
}  // namespace iris::net
