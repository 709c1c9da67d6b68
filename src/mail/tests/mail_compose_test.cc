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

}  // namespace
}  // namespace iris::mail
