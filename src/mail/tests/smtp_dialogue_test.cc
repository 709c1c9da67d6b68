#include "mail/smtp_dialogue.h"

#include <gtest/gtest.h>

namespace iris::mail {
namespace {

TEST(SmtpDialogue, AMultiLineReplyEndsAtItsLastLineEvenWhenSplitAcrossReads) {
  SmtpReplyReader r;
  EXPECT_FALSE(r.feed("250-postfix.iris.test\r\n250-PIPE"));
  EXPECT_FALSE(r.feed("LINING\r\n250 SMTPUTF"));
  auto reply = r.feed("8\r\n220 next");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, 250);
  EXPECT_EQ(reply->text, "SMTPUTF8");
  EXPECT_FALSE(r.feed(""));
  auto next = r.feed("\r\n");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->code, 220);
}

TEST(SmtpDialogue, ARelayThatDoesNotSpeakSmtpOrTalksWithoutEndBreaksTheReader) {
  SmtpReplyReader garbage;
  EXPECT_FALSE(garbage.feed("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_TRUE(garbage.broken());
  SmtpReplyReader endless(100, 10);
  EXPECT_FALSE(endless.feed(std::string(200, 'x')));
  EXPECT_TRUE(endless.broken());
  SmtpReplyReader many(100, 10);
  std::string lines;
  for (int i = 0; i < 20; ++i) lines += "250-more\r\n";
  EXPECT_FALSE(many.feed(lines));
  EXPECT_TRUE(many.broken());
}

TEST(SmtpDialogue, FourHundredsAreRetriedAndFiveHundredsGivenUp) {
  EXPECT_EQ(smtp_verdict({250, ""}, 2), SmtpVerdict::accepted);
  EXPECT_EQ(smtp_verdict({354, ""}, 3), SmtpVerdict::accepted);
  EXPECT_EQ(smtp_verdict({250, ""}, 3), SmtpVerdict::temporary);
  EXPECT_EQ(smtp_verdict({451, ""}, 2), SmtpVerdict::temporary);
  EXPECT_EQ(smtp_verdict({550, ""}, 2), SmtpVerdict::permanent);
}

TEST(SmtpDialogue, DataIsCrlfDotStuffedAndTerminated) {
  EXPECT_EQ(smtp_data("a\n.b\n..\r\nc"), "a\r\n..b\r\n...\r\nc\r\n.\r\n");
  EXPECT_EQ(smtp_data(".\n"), "..\r\n.\r\n");
  EXPECT_EQ(smtp_data(""), ".\r\n");
}

}  // namespace
}  // namespace iris::mail
