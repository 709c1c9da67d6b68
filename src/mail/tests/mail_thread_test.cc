#include "mail/mail_thread.h"

#include <gtest/gtest.h>

namespace iris::mail {
namespace {

TEST(MailThread, MessageIdsAreTheBracketedTokens) {
  EXPECT_EQ(message_ids("<a@x> (comment) <b@y>\r\n\t<c@z>"), (std::vector<std::string>{"a@x", "b@y", "c@z"}));
  EXPECT_EQ(message_ids("<a@x> <b@y>", 1), (std::vector<std::string>{"a@x"}));
  EXPECT_TRUE(message_ids("no ids <unclosed").empty());
}

TEST(MailThread, RootIsFirstReferenceThenInReplyToThenOwnId) {
  EXPECT_EQ(thread_root("c@x", "<b@x>", "<a@x> <b@x>"), "a@x");
  EXPECT_EQ(thread_root("c@x", "<b@x>", ""), "b@x");
  EXPECT_EQ(thread_root("c@x", "", ""), "c@x");
  EXPECT_EQ(thread_root("<c@x>", "", ""), "c@x");
  EXPECT_EQ(thread_root("", "", ""), "");
}

TEST(MailThread, ReplyAndOriginalShareTheThreadKey) {
  const std::vector<core::UserId> to{core::UserId{7}, core::UserId{3}};
  const std::vector<core::UserId> to_reordered{core::UserId{3}, core::UserId{7}, core::UserId{7}};
  const auto original = thread_key(thread_root("a@x", "", ""), to);
  const auto reply = thread_key(thread_root("b@x", "<a@x>", "<a@x>"), to_reordered);
  EXPECT_EQ(original, reply);
  EXPECT_NE(original, thread_key("a@x", std::vector<core::UserId>{core::UserId{7}}));
  EXPECT_NE(original, thread_key("other@x", to));
}

TEST(MailThread, MessageKeyFollowsMessageIdElseBytes) {
  EXPECT_EQ(message_key("a@x", "one"), message_key("<a@x>", "two"));
  EXPECT_NE(message_key("a@x", ""), message_key("b@x", ""));
  EXPECT_EQ(message_key("", "bytes"), message_key("", "bytes"));
  EXPECT_NE(message_key("", "bytes"), message_key("", "other bytes"));
}

}  // namespace
}  // namespace iris::mail
