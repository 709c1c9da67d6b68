#include "client/file_probe.h"

#include <gtest/gtest.h>

namespace iris::client {
namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string out;
  for (int b : v) out.push_back(static_cast<char>(b));
  return out;
}

TEST(FileProbe, ReadsAPngsDimensionsFromItsHeader) {
  // Signature, IHDR length 13, "IHDR", width 640, height 480.
  const std::string png = bytes({0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                 0, 0, 0x02, 0x80, 0, 0, 0x01, 0xE0, 8, 6, 0, 0, 0});
  const auto p = probe_file(png, "anything.bin");
  EXPECT_EQ(p.content_type, "image/png");
  EXPECT_EQ(p.width, 640u);
  EXPECT_EQ(p.height, 480u);
}

TEST(FileProbe, ReadsAGifsDimensionsLittleEndian) {
  const auto p = probe_file("GIF89a" + bytes({0x2C, 0x01, 0xC8, 0x00, 0, 0}), "x.gif");
  EXPECT_EQ(p.content_type, "image/gif");
  EXPECT_EQ(p.width, 300u);
  EXPECT_EQ(p.height, 200u);
}

TEST(FileProbe, FindsAJpegsFrameHeaderBehindOtherSegments) {
  // SOI; APP0 (length 16: 14 bytes of payload); a fill byte; SOF2 (progressive): length 17,
  // precision 8, height 1080, width 1920.
  std::string jpeg = bytes({0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10});
  jpeg += std::string(14, 'j');
  jpeg += bytes({0xFF, 0xFF, 0xC2, 0x00, 0x11, 0x08, 0x04, 0x38, 0x07, 0x80, 0x03});
  const auto p = probe_file(jpeg, "photo.jpg");
  EXPECT_EQ(p.content_type, "image/jpeg");
  EXPECT_EQ(p.width, 1920u);
  EXPECT_EQ(p.height, 1080u);
}

TEST(FileProbe, ATruncatedOrMalformedImageHeaderGivesNoDimensions) {
  EXPECT_FALSE(probe_file(bytes({0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0}), "").width);
  EXPECT_FALSE(probe_file(bytes({0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 1, 2}), "").width);
  // A segment length that points past the end, and one below 2, stop the walk.
  EXPECT_FALSE(probe_file(bytes({0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0, 0}), "").width);
  EXPECT_FALSE(probe_file(bytes({0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0xFF, 0xC0, 0, 17, 8, 0, 1, 0, 1}), "").width);
  // A zero dimension is no dimension.
  EXPECT_FALSE(probe_file("GIF87a" + bytes({0, 0, 5, 0}), "").width);
  EXPECT_EQ(probe_file(bytes({0xFF, 0xD8, 0xFF}), "").content_type, "image/jpeg");
}

TEST(FileProbe, FallsBackToTheExtensionThenToOctetStream) {
  EXPECT_EQ(probe_file("%PDF-1.7", "a").content_type, "application/pdf");
  EXPECT_EQ(probe_file("hello", "notes.TXT").content_type, "text/plain");
  EXPECT_EQ(probe_file("hello", "dir.v2/readme").content_type, "application/octet-stream");
  EXPECT_EQ(probe_file(std::string("RIFF\x10\x00\x00\x00WEBPVP8 ", 16), "").content_type, "image/webp");
  EXPECT_EQ(probe_file("", "").content_type, "application/octet-stream");
}

TEST(FileProbe, LooksAtNoMoreThanTheProbeBytes) {
  // A frame header past kProbeBytes is not looked for.
  std::string jpeg = bytes({0xFF, 0xD8});
  while (jpeg.size() < kProbeBytes) {
    jpeg += bytes({0xFF, 0xE1, 0xFF, 0xF0});
    jpeg += std::string(0xFFF0 - 2, 'x');
  }
  jpeg += bytes({0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10});
  EXPECT_FALSE(probe_file(jpeg, "").width);
}

}  // namespace
}  // namespace iris::client
