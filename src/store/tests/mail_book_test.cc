#include "store/mail/mail_book.h"

#include <gtest/gtest.h>

#include "store/tests/temp_dir.h"

namespace iris::store {
namespace {

using core::ThreadId;
using core::UserId;

constexpr std::uint64_t kTop = std::uint64_t{1} << 63;

TEST(MailBook, KeepsAddressesAndMessageIdsAcrossAReopen) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/mail.sqlite";
  const core::ClientMsgId id{1, 2};
  {
    auto b = MailBook::open(path);
    ASSERT_TRUE(b) << b.error().message();
    ASSERT_TRUE((*b)->remember_address(UserId{kTop | 5}, "carol@example.org"));
    ASSERT_TRUE((*b)->remember_received(id, MailRef{"m2@x", "m1@x", "Lunch"}));
    ASSERT_TRUE((*b)->set_reply_to(UserId{kTop | 5}, ThreadId{3}, MailRef{"m2@x", "m1@x", "Lunch"}));
  }
  auto b = MailBook::open(path);
  ASSERT_TRUE(b);
  auto a = (*b)->address(UserId{kTop | 5});
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, std::optional<std::string>("carol@example.org"));
  EXPECT_EQ(*(*b)->address(UserId{kTop | 6}), std::nullopt);
  auto r = (*b)->received(id);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ(**r, (MailRef{"m2@x", "m1@x", "Lunch"}));
  auto t = (*b)->reply_to(UserId{kTop | 5}, ThreadId{3});
  ASSERT_TRUE(t && *t);
  EXPECT_EQ((*t)->message_id, "m2@x");
  EXPECT_EQ(*(*b)->reply_to(UserId{kTop | 5}, ThreadId{4}), std::nullopt);
}

TEST(MailBook, ALaterReplyToReplacesTheEarlierAndTheFirstReceivedStays) {
  auto b = MailBook::open(":memory:");
  ASSERT_TRUE(b);
  ASSERT_TRUE((*b)->set_reply_to(UserId{kTop | 5}, ThreadId{3}, MailRef{"a", "r", "s"}));
  ASSERT_TRUE((*b)->set_reply_to(UserId{kTop | 5}, ThreadId{3}, MailRef{"b", "r", "s"}));
  EXPECT_EQ((*(*b)->reply_to(UserId{kTop | 5}, ThreadId{3}))->message_id, "b");
  ASSERT_TRUE((*b)->remember_received(core::ClientMsgId{1, 1}, MailRef{"first", "", ""}));
  ASSERT_TRUE((*b)->remember_received(core::ClientMsgId{1, 1}, MailRef{"second", "", ""}));
  EXPECT_EQ((*(*b)->received(core::ClientMsgId{1, 1}))->message_id, "first");
}

TEST(MailBook, ListsEveryExternalUserInPagesInIdOrder) {
  auto b = MailBook::open(":memory:");
  ASSERT_TRUE(b);
  for (std::uint64_t i : {9u, 1u, 5u}) ASSERT_TRUE((*b)->remember_address(UserId{kTop | i}, "x@y"));
  ASSERT_TRUE((*b)->remember_address(UserId{~std::uint64_t{0}}, "last@y"));
  auto first = (*b)->externals(UserId{0}, 2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0], UserId{kTop | 1});
  EXPECT_EQ((*first)[1], UserId{kTop | 5});
  auto rest = (*b)->externals(first->back(), 10);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0], UserId{kTop | 9});
  EXPECT_EQ((*rest)[1], UserId{~std::uint64_t{0}});
}

}  // namespace
}  // namespace iris::store
