#include "mail/mime_parser.h"

#include <gtest/gtest.h>

#include "base/utf8.h"
#include "mail/errc.h"

namespace iris::mail {
namespace {

const MimeLimits kLimits{};

TEST(MimeParser, ReadsHeadersAndPlainBody) {
  const std::string raw =
      "From: =?utf-8?q?Ren=C3=A9e?= <Renee@Example.COM>\r\n"
      "To: 42@localhost\r\n"
      "Subject: =?iso-8859-1?q?Caf=E9?= plans\r\n"
      "Message-ID: <m2@example.com>\r\n"
      "In-Reply-To: <m1@example.com>\r\n"
      "References: <m0@example.com> <m1@example.com>\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "Tomorrow?\r\n";
  auto mail = parse_mime(raw, kLimits);
  ASSERT_TRUE(mail) << mail.error().message();
  EXPECT_EQ(mail->from, "renee@example.com");
  EXPECT_EQ(mail->from_name, "Ren\xC3\xA9" "e");
  EXPECT_EQ(mail->subject, "Caf\xC3\xA9 plans");
  EXPECT_EQ(mail->message_id, "m2@example.com");
  EXPECT_NE(mail->references.find("<m0@example.com>"), std::string::npos);
  EXPECT_NE(mail->in_reply_to.find("<m1@example.com>"), std::string::npos);
  EXPECT_EQ(mail->text, "Tomorrow?");
}

TEST(MimeParser, DecodesTransferEncodingAndCharset) {
  const std::string raw =
      "From: a@x\r\nSubject: s\r\n"
      "Content-Type: text/plain; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      "Gr=FC=DFe\r\n";
  auto mail = parse_mime(raw, kLimits);
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->text, "Gr\xC3\xBC\xC3\x9F" "e");
}

TEST(MimeParser, UnknownCharsetStillGivesValidUtf8) {
  const std::string raw =
      "From: a@x\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\nbad \xE9\xFF\x80 bytes\r\n";
  auto mail = parse_mime(raw, kLimits);
  ASSERT_TRUE(mail);
  EXPECT_TRUE(is_valid_utf8(mail->text, Nul::refused));
  EXPECT_TRUE(mail->text.starts_with("bad "));
}

TEST(MimeParser, PrefersPlainInAlternativeAndKeepsAttachments) {
  const std::string raw =
      "From: a@x\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=OUT\r\n\r\n"
      "--OUT\r\n"
      "Content-Type: multipart/alternative; boundary=ALT\r\n\r\n"
      "--ALT\r\nContent-Type: text/plain\r\n\r\nplain text\r\n"
      "--ALT\r\nContent-Type: text/html\r\n\r\n<p>html text</p>\r\n"
      "--ALT--\r\n"
      "--OUT\r\n"
      "Content-Type: image/png\r\nContent-Disposition: attachment; filename=\"../../etc/pic.png\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "iVBORw0KGgo=\r\n"
      "--OUT--\r\n";
  auto mail = parse_mime(raw, kLimits);
  ASSERT_TRUE(mail) << mail.error().message();
  EXPECT_EQ(mail->text, "plain text");
  ASSERT_EQ(mail->attachments.size(), 1u);
  EXPECT_EQ(mail->attachments[0].name, "pic.png");
  EXPECT_EQ(mail->attachments[0].content_type, "image/png");
  EXPECT_EQ(mail->attachments[0].bytes, std::string("\x89PNG\r\n\x1A\n", 8));
  EXPECT_EQ(mail->parts, 6u);  // message, mixed, alternative, plain, html, png
}

TEST(MimeParser, HtmlOnlyBecomesText) {
  const std::string raw =
      "From: a@x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
      "<div>Yes &amp; no</div><blockquote>old</blockquote>\r\n";
  auto mail = parse_mime(raw, kLimits);
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->text, "Yes & no");
}

TEST(MimeParser, RefusesTooManyPartsBeforeParsing) {
  std::string raw = "From: a@x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n";
  for (int i = 0; i < 10'000; ++i) raw += "--B\r\nContent-Type: text/plain\r\n\r\nx\r\n";
  raw += "--B--\r\n";
  EXPECT_EQ(parse_mime(raw, kLimits).error(), errc::too_many_parts);
}

TEST(MimeParser, RefusesDeepNestingBeforeParsing) {
  std::string raw = "From: a@x\r\n";
  for (int i = 0; i < 5'000; ++i) raw += "Content-Type: message/rfc822\r\n\r\n";
  EXPECT_EQ(parse_mime(raw, kLimits).error(), errc::too_many_parts);
}

TEST(MimeParser, MalformedMimeIsReadSafely) {
  // Unterminated multipart, a boundary that never appears, garbage headers.
  const std::string raw =
      "From: <<<@@@>>>\r\nContent-Type: multipart/mixed; boundary=\"never\"\r\nX-\x01\x02: \xFF\r\n\r\n"
      "--other\r\nno headers here\r\n";
  auto mail = parse_mime(raw, kLimits);
  if (mail) {
    EXPECT_TRUE(mail->from.empty());
    EXPECT_TRUE(is_valid_utf8(mail->text, Nul::refused));
  }
  // And no input at all.
  auto empty = parse_mime("", kLimits);
  if (empty) {
    EXPECT_TRUE(empty->text.empty());
  }
}

}  // namespace
}  // namespace iris::mail
