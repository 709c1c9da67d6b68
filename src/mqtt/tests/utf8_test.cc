#include "mqtt/utf8.h"

#include <gtest/gtest.h>

namespace iris::mqtt {
namespace {

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

}  // namespace
}  // namespace iris::mqtt
