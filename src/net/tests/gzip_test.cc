#include "net/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "net/errc.h"

namespace iris::net {
namespace {

std::string gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

TEST(Gzip, RoundTripsAndHasTheGzipMagic) {
  std::string body;
  for (int i = 0; i < 200; ++i) body += R"({"text":"see you at the usual place tonight"},)";
  const std::string z = gzip(body);
  ASSERT_GE(z.size(), 18u);  // 10-byte header, 8-byte trailer (RFC 1952 §2.2)
  EXPECT_EQ(static_cast<unsigned char>(z[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(z[1]), 0x8b);
  EXPECT_LT(z.size(), body.size() / 10) << "repetitive JSON compresses";
  EXPECT_EQ(gunzip(z), body);
  EXPECT_EQ(gunzip(gzip("")), "");
}

TEST(Gzip, AcceptEncodingFollowsRfc9110) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, GZIP;q=0.5, br"));
  EXPECT_TRUE(accepts_gzip("x-gzip"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("br, deflate"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip; q=0.000, *"));
  EXPECT_FALSE(accepts_gzip("*;q=0"));
  EXPECT_FALSE(accepts_gzip("gzipped"));
}

TEST(Gunzip, DecodesWhatGzipEncodesIncludingSeveralMembers) {
  const std::string body(5000, 'a');
  auto one = net::gunzip(gzip(body), body.size());
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(*one, body);
  // Two members decode as their concatenation (RFC 1952 §2.2).
  auto two = net::gunzip(gzip("hello ") + gzip("world"), 100);
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(*two, "hello world");
}

TEST(Gunzip, AcceptsExactlyTheLimitAndRefusesOneByteMore) {
  const std::string body(64 * 1024, 'x');
  EXPECT_TRUE(net::gunzip(gzip(body), body.size()).has_value());
  EXPECT_EQ(net::gunzip(gzip(body), body.size() - 1).error(), make_error_code(errc::body_too_large));
}

TEST(Gunzip, RefusesABombWithoutInflatingIt) {
  // 64 MiB of zeros: ~64 KiB compressed, refused against a 64 KiB limit.
  const std::string bomb = gzip(std::string(64u << 20, '\0'));
  ASSERT_LT(bomb.size(), 128u * 1024);
  EXPECT_EQ(net::gunzip(bomb, 64 * 1024).error(), make_error_code(errc::body_too_large));
}

TEST(Gunzip, RefusesCorruptTruncatedAndNonGzipBodies) {
  const std::string z = gzip(std::string(1000, 'q'));
  const auto bad = make_error_code(errc::bad_content_encoding);
  EXPECT_EQ(net::gunzip(z.substr(0, z.size() - 4), 10'000).error(), bad);  // trailer cut
  EXPECT_EQ(net::gunzip("plain text, not gzip", 10'000).error(), bad);
  EXPECT_EQ(net::gunzip("", 10'000).error(), bad);
  std::string flipped = z;
  flipped[z.size() - 5] = static_cast<char>(flipped[z.size() - 5] ^ 0x55);  // CRC32 mismatch
  EXPECT_EQ(net::gunzip(flipped, 10'000).error(), bad);
  EXPECT_EQ(net::gunzip(z + "junk", 10'000).error(), bad);  // a second member that is not one
}

}  // namespace
}  // namespace iris::net
