#include "mail/mail_compose.h"

#include <gtest/gtest.h>

#include "mail/mime_parser.h"

namespace iris::mail {
namespace {

OutgoingMail reply() {
  OutgoingMail m;
  m.from = "7@localhost";
  m.to = "carol@example.org";
  m.subject = "Lunch";
  m.message_id = outgoing_message_id(7, 3, 12, 99, "localhost");
  m.in_reply_to = "m2@example.org";
  m.root = "m1@example.org";
  m.text = "Yes, at noon.";
  m.date_unix_s = 1'800'000'000;
  return m;
}

TEST(MailCompose, AReplyNamesTheMailItAnswersAndItsConversation) {
  auto bytes = compose_mail(reply());
  ASSERT_TRUE(bytes) << bytes.error().message();
  auto parsed = parse_mime(*bytes, MimeLimits{});
  ASSERT_TRUE(parsed) << *bytes;
  EXPECT_EQ(parsed->from, "7@localhost");
  EXPECT_EQ(parsed->subject, "Re: Lunch");
  EXPECT_EQ(parsed->message_id, "iris.7.3.12.63@localhost");
  EXPECT_NE(parsed->in_reply_to.find("<m2@example.org>"), std::string::npos);
  EXPECT_EQ(parsed->references.find("<m1@example.org>"), parsed->references.find('<'));
  EXPECT_NE(parsed->references.find("<m2@example.org>"), std::string::npos);
  EXPECT_EQ(parsed->text, "Yes, at noon.");
  EXPECT_NE(bytes->find("To: carol@example.org"), std::string::npos);
}

TEST(MailCompose, KeepsAnExistingRePrefixAndEncodesUnicodeSevenBitClean) {
  auto m = reply();
  m.subject = "Re: Caf\xC3\xA9";
  m.text = "Gr\xC3\xBC\xC3\x9F" "e \xE2\x9C\x93";
  auto bytes = compose_mail(m);
  ASSERT_TRUE(bytes);
  for (char c : *bytes) ASSERT_LT(static_cast<unsigned char>(c), 0x80) << *bytes;
  auto parsed = parse_mime(*bytes, MimeLimits{});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->subject, "Re: Caf\xC3\xA9");
  EXPECT_EQ(parsed->text, m.text);
}

TEST(MailCompose, AHeaderInjectedThroughTheSubjectOrAMessageIdStaysInItsHeader) {
  auto m = reply();
  m.subject = "Hi\r\nBcc: victim@example.net\r\n\r\nforged body";
  m.in_reply_to = "x@y>\r\nBcc: other@example.net";
  m.root = "";
  auto bytes = compose_mail(m);
  ASSERT_TRUE(bytes);
  const std::string_view head(bytes->data(), bytes->find("\n\n"));
  EXPECT_EQ(head.find("\nBcc:"), std::string_view::npos) << *bytes;
  EXPECT_EQ(bytes->find("\nBcc:"), std::string::npos) << *bytes;
  auto parsed = parse_mime(*bytes, MimeLimits{});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->text, "Yes, at noon.");
}

TEST(MailCompose, WithoutAnEarlierMailItHasNoInReplyTo) {
  auto m = reply();
  m.in_reply_to.clear();
  m.root.clear();
  m.subject.clear();
  auto bytes = compose_mail(m);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->find("In-Reply-To"), std::string::npos);
  EXPECT_EQ(bytes->find("References"), std::string::npos);
  EXPECT_NE(bytes->find("Subject: Re: (no subject)"), std::string::npos);
}

TEST(MailCompose, CleansHeaderTextAndMessageIds) {
  EXPECT_EQ(clean_header_text("  a\r\nb\tc  "), "a  b c");
  EXPECT_EQ(clean_message_id("<a b@c>\r\n"), "ab@c");
  EXPECT_EQ(clean_message_id(std::string(300, 'x')), "");
}

std::string all_bytes() {
  std::string b;
  for (int i = 0; i < 256 * 40; ++i) b.push_back(static_cast<char>(i * 7 + i / 256));
  return b;
}

TEST(MailCompose, AttachmentsLeaveAsBase64PartsAfterTheTextWithTheirTypeAndName) {
  auto m = reply();
  m.attachments.push_back({"image/png", "photo.png", all_bytes()});
  m.attachments.push_back({"application/pdf", "Caf\xC3\xA9 menu.pdf", "%PDF-1.4 not really\n"});
  auto bytes = compose_mail(m);
  ASSERT_TRUE(bytes) << bytes.error().message();
  for (char c : *bytes) ASSERT_LT(static_cast<unsigned char>(c), 0x80);
  EXPECT_NE(bytes->find("multipart/mixed"), std::string::npos);
  EXPECT_NE(bytes->find("Content-Transfer-Encoding: base64"), std::string::npos);
  auto parsed = parse_mime(*bytes, MimeLimits{});
  ASSERT_TRUE(parsed) << *bytes;
  EXPECT_EQ(parsed->text, "Yes, at noon.");
  ASSERT_EQ(parsed->attachments.size(), 2u) << *bytes;
  EXPECT_EQ(parsed->attachments[0].content_type, "image/png");
  EXPECT_EQ(parsed->attachments[0].name, "photo.png");
  EXPECT_EQ(parsed->attachments[0].bytes, all_bytes());
  EXPECT_EQ(parsed->attachments[1].content_type, "application/pdf");
  EXPECT_EQ(parsed->attachments[1].name, "Caf\xC3\xA9 menu.pdf");
  EXPECT_EQ(parsed->attachments[1].bytes, "%PDF-1.4 not really\n");
  // The text is the first part, the attachments follow in order.
  const auto text_at = bytes->find("Yes, at noon.");
  EXPECT_LT(text_at, bytes->find("photo.png"));
  EXPECT_LT(bytes->find("filename=photo.png"), bytes->find("menu.pdf"));
}

TEST(MailCompose, AnAttachmentsHostileNameOrTypeCannotAddAHeader) {
  auto m = reply();
  m.attachments.push_back({"text/plain\r\nBcc: victim@example.net", "a\r\nBcc: x@example.net/../b.txt", "hi"});
  m.attachments.push_back({"", "", "x"});
  auto bytes = compose_mail(m);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->find("\nBcc:"), std::string::npos) << *bytes;
  auto parsed = parse_mime(*bytes, MimeLimits{});
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->attachments.size(), 2u) << *bytes;
  EXPECT_EQ(parsed->attachments[0].content_type, "application/octet-stream");
  EXPECT_EQ(parsed->attachments[0].name, "aBcc: x@example.net..b.txt");
  EXPECT_EQ(parsed->attachments[0].bytes, "hi");
  EXPECT_EQ(parsed->attachments[1].name, "attachment-2");
}

TEST(MailCompose, TheSizeBoundHoldsForTheComposedMail) {
  auto m = reply();
  std::vector<std::uint64_t> sizes;
  for (std::size_t n : {0u, 1u, 2u, 3u, 57u, 1000u, 100'000u}) {
    m.attachments.push_back({"application/octet-stream", std::string(255, 'n'), std::string(n, '\xff')});
    sizes.push_back(n);
  }
  m.text = std::string(5000, '\x01');
  auto bytes = compose_mail(m);
  ASSERT_TRUE(bytes);
  const auto bound = mail_size_bound(m.text.size(), sizes);
  EXPECT_LE(bytes->size(), bound);
  EXPECT_GT(bound, 100'000u * 4 / 3);  // and is not absurdly loose either
  EXPECT_LT(bound, bytes->size() * 2);
}

TEST(MailCompose, ALeftOutAttachmentIsNamedWithItsTypeSizeAndWhy) {
  EXPECT_EQ(left_out_line("big.mov", "video/quicktime", std::uint64_t{30} << 20, LeftOut::too_large),
            "[not attached (too large for mail): big.mov, video/quicktime, 30.0 MiB]");
  EXPECT_EQ(left_out_line("", "image/png", 512, LeftOut::gone), "[not attached (no longer stored): unnamed, image/png, 512 bytes]");
  EXPECT_EQ(left_out_line("a\nb", "text/plain", 2048, LeftOut::gone),
            "[not attached (no longer stored): a b, text/plain, 2.0 KiB]");
}

TEST(MailCompose, AttachmentFileNamesLoseControlsAndPathsAndHaveAFallback) {
  EXPECT_EQ(attachment_file_name("../../etc/passwd", 0), "....etcpasswd");
  EXPECT_EQ(attachment_file_name("\x01\x02", 4), "attachment-5");
  EXPECT_EQ(attachment_file_name("..", 0), "attachment-1");
  EXPECT_EQ(attachment_file_name(std::string(300, 'x'), 0).size(), 255u);
}

}  // namespace
}  // namespace iris::mail
