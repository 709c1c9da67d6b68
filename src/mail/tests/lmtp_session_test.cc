#include "mail/lmtp_session.h"

#include <gtest/gtest.h>

namespace iris::mail {
namespace {

class LmtpSessionTest : public ::testing::Test {
 protected:
  MailOptions options_;
  LmtpSession session_{options_, "iris.test"};

  LmtpSession::Output greet() { return session_.feed("LHLO mta\r\nMAIL FROM:<a@x>\r\n"); }
};

TEST_F(LmtpSessionTest, GreetsAndAnnouncesExtensions) {
  EXPECT_EQ(session_.greeting(), "220 iris.test LMTP Iris ready\r\n");
  auto out = session_.feed("LHLO mta.example\r\n");
  EXPECT_NE(out.reply.find("250-PIPELINING"), std::string::npos);
  EXPECT_NE(out.reply.find("250 SIZE 26214400\r\n"), std::string::npos);
}

TEST_F(LmtpSessionTest, RefusesHeloAndMailBeforeLhlo) {
  EXPECT_TRUE(session_.feed("EHLO x\r\n").reply.starts_with("500 "));
  EXPECT_TRUE(session_.feed("MAIL FROM:<a@x>\r\n").reply.starts_with("503 "));
}

TEST_F(LmtpSessionTest, DeliversWithOneReplyPerRecipient) {
  greet();
  auto out = session_.feed(
      "RCPT TO:<7@localhost>\r\nRCPT TO:<alice@localhost>\r\nRCPT TO:<8@LOCALHOST>\r\nDATA\r\n");
  EXPECT_EQ(out.reply, "250 2.1.5 recipient ok\r\n550 5.1.1 no such user here\r\n250 2.1.5 recipient ok\r\n"
                       "354 end data with <CR><LF>.<CR><LF>\r\n");
  out = session_.feed("Subject: x\r\n\r\n..dot\r\nbody\n.\nstill body\r\n.\r\nNOOP\r\n");
  ASSERT_TRUE(out.deliver);
  EXPECT_EQ(out.deliver->data, "Subject: x\r\n\r\n.dot\r\nbody\n.\nstill body\r\n");
  EXPECT_EQ(out.deliver->recipients, (std::vector<core::UserId>{core::UserId{7}, core::UserId{8}}));
  EXPECT_EQ(out.deliver->mail_from, "a@x");
  EXPECT_TRUE(session_.delivering());
  const std::vector<RecipientReply> replies{"250 2.0.0 delivered", "451 4.3.0 later"};
  out = session_.delivered(replies);
  // The pipelined NOOP is answered after the per-recipient replies.
  EXPECT_EQ(out.reply, "250 2.0.0 delivered\r\n451 4.3.0 later\r\n250 2.0.0 ok\r\n");
}

TEST_F(LmtpSessionTest, RefusesDeclaredSizeOverLimit) {
  session_.feed("LHLO mta\r\n");
  auto out = session_.feed("MAIL FROM:<a@x> SIZE=52428800\r\n");
  EXPECT_TRUE(out.reply.starts_with("552 5.3.4")) << out.reply;
}

TEST_F(LmtpSessionTest, RefusesUndeclaredOversizeAfterDataWithoutKeepingIt) {
  options_.max_message_bytes = 1000;
  greet();
  session_.feed("RCPT TO:<7@localhost>\r\nDATA\r\n");
  const std::string line(100, 'x');
  LmtpSession::Output out;
  for (int i = 0; i < 100; ++i) out = session_.feed(line + "\r\n");
  EXPECT_FALSE(out.deliver);
  out = session_.feed(std::string(5000, 'y'));  // a partial line far over the limit
  EXPECT_FALSE(out.deliver);
  out = session_.feed("\r\n.\r\n");
  EXPECT_FALSE(out.deliver);
  EXPECT_TRUE(out.reply.starts_with("552 5.3.4")) << out.reply;
}

TEST_F(LmtpSessionTest, BoundsRecipientsAndCommandLines) {
  options_.max_recipients = 2;
  greet();
  auto out = session_.feed("RCPT TO:<1@localhost>\r\nRCPT TO:<2@localhost>\r\nRCPT TO:<3@localhost>\r\n");
  EXPECT_TRUE(out.reply.ends_with("452 4.5.3 too many recipients (mail.max_recipients)\r\n"));
  out = session_.feed(std::string(options_.max_line_bytes + 10, 'A'));
  EXPECT_EQ(out.reply, "500 5.5.2 line too long\r\n");
  out = session_.feed("AAAA\r\nNOOP\r\n");  // the rest of the long line is dropped, not a command
  EXPECT_EQ(out.reply, "250 2.0.0 ok\r\n");
}

TEST_F(LmtpSessionTest, DataNeedsSenderAndRecipient) {
  session_.feed("LHLO mta\r\n");
  EXPECT_TRUE(session_.feed("DATA\r\n").reply.starts_with("503 "));
  session_.feed("MAIL FROM:<>\r\n");
  EXPECT_TRUE(session_.feed("DATA\r\n").reply.starts_with("503 "));
}

TEST_F(LmtpSessionTest, QuitCloses) {
  auto out = session_.feed("QUIT\r\n");
  EXPECT_EQ(out.reply, "221 2.0.0 bye\r\n");
  EXPECT_TRUE(out.close);
}

}  // namespace
}  // namespace iris::mail
