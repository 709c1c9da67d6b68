#include "mail/text_extract.h"

#include <gtest/gtest.h>

#include "base/utf8.h"

namespace iris::mail {
namespace {

TEST(TextExtract, TrimsQuoteAfterAttribution) {
  const std::string text =
      "Sounds good, see you then.\r\n\r\nOn Mon, 1 Jan 2024 at 10:00, Alice <a@x> wrote:\r\n> Lunch?\r\n>\r\n> A\r\n";
  EXPECT_EQ(trim_quoted_reply(text), "Sounds good, see you then.");
}

TEST(TextExtract, TrimsOutlookOriginalMessageAndSignature) {
  EXPECT_EQ(trim_quoted_reply("Yes.\n-----Original Message-----\nFrom: a\nLunch?"), "Yes.");
  EXPECT_EQ(trim_quoted_reply("Yes.\n-- \nBob, CEO\n"), "Yes.");
}

TEST(TextExtract, KeepsInlineReplies) {
  const std::string text = "On Mon, Alice wrote:\n> Lunch?\nYes\n> Where?\nHere\n";
  EXPECT_EQ(trim_quoted_reply(text), "On Mon, Alice wrote:\n> Lunch?\nYes\n> Where?\nHere");
}

TEST(TextExtract, KeepsAMailThatIsOnlyAQuote) {
  EXPECT_EQ(trim_quoted_reply("> just this\n"), "> just this");
}

TEST(TextExtract, HtmlBecomesText) {
  const std::string html =
      "<html><head><title>T</title><style>p{}</style></head><body><p>Hello&nbsp;<b>there</b> &amp; "
      "&#233;&#x263A;</p><div>line<br>two</div><script>alert(1)</script></body></html>";
  EXPECT_EQ(html_to_text(html, true), "Hello there & \xC3\xA9\xE2\x98\xBA\n\nline\ntwo");
}

TEST(TextExtract, HtmlBlockquoteDroppedOnlyWhenTrimming) {
  const std::string html = "<p>Yes</p><blockquote>Lunch?</blockquote>";
  EXPECT_EQ(html_to_text(html, true), "Yes");
  EXPECT_EQ(html_to_text(html, false), "Yes\n\nLunch?");
}

TEST(TextExtract, CleanTextRepairsEncodingAndControls) {
  EXPECT_EQ(clean_text("caf\xE9\r\nok\x01\x7F\tx  \r\n\r\n"), "caf\xC3\xA9\nok\tx");
  EXPECT_EQ(clean_text("\xC3\xA9t\xC3\xA9"), "\xC3\xA9t\xC3\xA9");  // valid UTF-8 kept
  EXPECT_TRUE(is_valid_utf8(clean_text("\xED\xA0\x80\xF8\xFF\xC0\xAF"), Nul::refused));
}

TEST(TextExtract, OneLineFlattensHeaderInjection) {
  EXPECT_EQ(one_line("Hi\r\nBcc: victim@x\r\n\tthere"), "Hi Bcc: victim@x there");
}

TEST(TextExtract, ClipKeepsUtf8Boundaries) {
  EXPECT_EQ(clip_utf8("short", 10), "short");
  const std::string clipped = clip_utf8("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 6);
  EXPECT_TRUE(is_valid_utf8(clipped, Nul::refused));
  EXPECT_LE(clipped.size(), 6u);
  EXPECT_TRUE(clipped.ends_with("\xE2\x80\xA6"));
}

}  // namespace
}  // namespace iris::mail
