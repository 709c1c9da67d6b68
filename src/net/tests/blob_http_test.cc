#include "net/blob_http.h"

#include <gtest/gtest.h>

#include "store/blob/blob_errc.h"

namespace iris::net {
namespace {

std::optional<store::ByteRange> range(std::string_view h, std::uint64_t size) {
  auto r = parse_byte_range(h, size);
  EXPECT_TRUE(r) << h;
  return r ? *r : std::nullopt;
}

void expect_range(std::string_view h, std::uint64_t size, std::uint64_t first, std::uint64_t length) {
  const auto r = range(h, size);
  ASSERT_TRUE(r) << h;
  EXPECT_EQ(r->first, first) << h;
  EXPECT_EQ(r->length, length) << h;
}

TEST(ByteRange, ServesFirstLastOpenEndedAndSuffixRanges) {
  expect_range("bytes=0-9", 100, 0, 10);
  expect_range("bytes=90-", 100, 90, 10);
  expect_range("bytes=-10", 100, 90, 10);
  expect_range("Bytes= 5-5", 100, 5, 1);
}

TEST(ByteRange, ClipsALastPastTheEndAndALongSuffix) {
  expect_range("bytes=50-1000", 100, 50, 50);
  expect_range("bytes=-1000", 100, 0, 100);
}

TEST(ByteRange, UnsatisfiableIsBadRange) {
  EXPECT_EQ(parse_byte_range("bytes=100-", 100).error(), store::blob_errc::bad_range);
  EXPECT_EQ(parse_byte_range("bytes=200-300", 100).error(), store::blob_errc::bad_range);
  EXPECT_EQ(parse_byte_range("bytes=-0", 100).error(), store::blob_errc::bad_range);
  EXPECT_EQ(parse_byte_range("bytes=0-", 0).error(), store::blob_errc::bad_range);
}

TEST(ByteRange, IgnoresWhatItDoesNotServe) {
  EXPECT_FALSE(range("", 100));
  EXPECT_FALSE(range("items=0-1", 100));
  EXPECT_FALSE(range("bytes=0-1,5-6", 100));   // several ranges: the whole blob
  EXPECT_FALSE(range("bytes=9-1", 100));       // last before first: invalid, ignored
  EXPECT_FALSE(range("bytes=x-1", 100));
  EXPECT_FALSE(range("bytes=1", 100));
  EXPECT_FALSE(range("bytes=99999999999999999999999-", 100));
}

TEST(UploadAnswer, NamesIdSizeTypeAndDedup) {
  store::UploadedBlob b;
  b.id.bytes[0] = 0xab;
  b.size = 12;
  b.type = "image/png";
  b.fresh = false;
  EXPECT_EQ(upload_answer(b), "{\"blob\":\"ab" + std::string(62, '0') +
                                  "\",\"size\":12,\"content_type\":\"image/png\",\"deduplicated\":true}");
}

}  // namespace
}  // namespace iris::net
