#include "core/attachment.h"

#include <gtest/gtest.h>

namespace iris::core {
namespace {

TEST(BlobId, HexRoundTripsEveryByte) {
  BlobId id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<std::uint8_t>(i * 8 + 7);
  const std::string hex = id.to_hex();
  ASSERT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex.substr(0, 4), "070f");
  EXPECT_EQ(BlobId::from_hex(hex), id);
}

TEST(BlobId, RejectsUppercaseWrongLengthAndNonHex) {
  const std::string good(64, 'a');
  EXPECT_TRUE(BlobId::from_hex(good));
  EXPECT_FALSE(BlobId::from_hex(std::string(64, 'A')));  // one spelling per blob
  EXPECT_FALSE(BlobId::from_hex(std::string(63, 'a')));
  EXPECT_FALSE(BlobId::from_hex(std::string(65, 'a')));
  EXPECT_FALSE(BlobId::from_hex(std::string(63, 'a') + "g"));
  EXPECT_FALSE(BlobId::from_hex(""));
}

}  // namespace
}  // namespace iris::core
