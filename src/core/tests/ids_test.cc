#include "core/ids.h"

#include <gtest/gtest.h>

#include <random>

namespace iris::core {
namespace {

TEST(ClientMsgId, HexRoundTripsAtMinMaxAndRandomValues) {
  std::mt19937_64 rng(7);
  std::vector<ClientMsgId> ids = {{0, 0}, {~0ull, ~0ull}, {1, 0}, {0, 1}};
  for (int i = 0; i < 100; ++i) ids.push_back({rng(), rng()});
  for (const auto& id : ids) {
    const std::string hex = id.to_hex();
    ASSERT_EQ(hex.size(), 32u);
    EXPECT_EQ(ClientMsgId::from_hex(hex), id) << hex;
  }
}

TEST(ClientMsgId, HexPutsHighHalfFirst) {
  EXPECT_EQ((ClientMsgId{1, 0xAB}).to_hex(), "000000000000000100000000000000ab");
}

TEST(ClientMsgId, FromHexRejectsWrongLengthAndNonHexDigits) {
  EXPECT_FALSE(ClientMsgId::from_hex(""));
  EXPECT_FALSE(ClientMsgId::from_hex(std::string(31, '0')));
  EXPECT_FALSE(ClientMsgId::from_hex(std::string(33, '0')));
  EXPECT_FALSE(ClientMsgId::from_hex(std::string(31, '0') + "g"));
  EXPECT_TRUE(ClientMsgId::from_hex(std::string(31, '0') + "F"));
}

TEST(ParseId, AcceptsOnlyTheOneCanonicalDecimalSpellingOfEachId) {
  EXPECT_EQ(parse_id("0"), 0u);
  EXPECT_EQ(parse_id("1"), 1u);
  EXPECT_EQ(parse_id("42"), 42u);
  EXPECT_EQ(parse_id("18446744073709551615"), 18446744073709551615ull);
  for (const char* bad : {"", "01", "00", "-1", "+1", "+", "-", " 1", "1 ", "1a", "0x1", "1.0",
                          "18446744073709551616", "99999999999999999999999"}) {
    EXPECT_FALSE(parse_id(bad)) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace iris::core
