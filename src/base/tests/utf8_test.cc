#include "base/utf8.h"

#include <gtest/gtest.h>

namespace iris {
namespace {

// The MQTT rule (no U+0000): the stricter of the two, so every case below holds for both.
bool is_valid_utf8(std::string_view s) { return iris::is_valid_utf8(s, Nul::refused); }

TEST(Utf8, AcceptsAsciiAndMultiByteCharacters) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("a/b"));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9"));          // U+00E9
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));      // U+20AC
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
}

TEST(Utf8, AcceptsTheSpecsZeroWidthNoBreakSpaceExample) {
  // MQTT 5.0 §1.5.4, non normative example: "A" U+2A6D4 ...; MQTT-1.5.4-3: U+FEFF is kept.
  EXPECT_TRUE(is_valid_utf8("\xEF\xBB\xBF"));
  EXPECT_TRUE(is_valid_utf8("A\xF0\xAA\x9B\x94"));
}

TEST(Utf8, RejectsNullCharacter) {
  EXPECT_FALSE(is_valid_utf8(std::string_view("a\0b", 3)));  // MQTT-1.5.4-2
}

TEST(Utf8, RejectsSurrogates) {
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // U+D800, MQTT-1.5.4-1
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));  // U+DFFF
}

TEST(Utf8, RejectsOverlongForms) {
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // '/' in two bytes
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));          // U+0000 in two bytes
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));
}

TEST(Utf8, RejectsMalformedSequences) {
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
  EXPECT_FALSE(is_valid_utf8("\xC3\x41"));          // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8, NulIsRefusedOnlyWhereTheCallerSaysSo) {
  const std::string_view with_nul("a\0b", 3);
  EXPECT_TRUE(iris::is_valid_utf8(with_nul, Nul::allowed));  // wire text (RFC 3629)
  EXPECT_FALSE(iris::is_valid_utf8(with_nul, Nul::refused));  // MQTT strings
}

TEST(Utf8, ChecksBytesInsideLongAsciiRuns) {
  // Eight-byte ASCII runs are skipped a word at a time: a NUL or a bad byte inside one, or
  // a sequence right after one, is still seen.
  const std::string_view nul_in_run("abcdefg\0hijklmnop", 17);
  EXPECT_TRUE(iris::is_valid_utf8(nul_in_run, Nul::allowed));
  EXPECT_FALSE(iris::is_valid_utf8(nul_in_run, Nul::refused));
  EXPECT_FALSE(is_valid_utf8("abcdefghijklmnop\x80"));
  EXPECT_FALSE(is_valid_utf8("abcdefgh\xC3" "abcdefgh"));
  EXPECT_TRUE(is_valid_utf8("abcdefghijklmnop\xC3\xA9" "abcdefgh"));
}

}  // namespace
}  // namespace iris
