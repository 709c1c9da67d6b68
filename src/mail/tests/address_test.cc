#include "mail/address.h"

#include <gtest/gtest.h>

#include "mail/errc.h"

namespace iris::mail {
namespace {

TEST(Address, NormalizesCaseAndBrackets) {
  EXPECT_EQ(*normalize_address("<Alice@Example.COM>"), "alice@example.com");
  EXPECT_EQ(*normalize_address("bob@x"), "bob@x");
}

TEST(Address, RefusesWhatIsNotOneMailbox) {
  for (const char* bad : {"", "<>", "alice", "@x", "a@", "a@b@c", "a b@x", "a\r\n@x", "a<@x", "\xC3\xA9@x"}) {
    EXPECT_EQ(normalize_address(bad).error(), errc::bad_address) << bad;
  }
  EXPECT_FALSE(normalize_address(std::string(250, 'a') + "@xxxx").has_value());
}

TEST(Address, RecipientIsUserIdAtTheDomain) {
  EXPECT_EQ(*recipient_user("<42@Mail.Example>", "mail.example"), core::UserId{42});
  EXPECT_EQ(recipient_user("42@other.example", "mail.example").error(), errc::unknown_recipient);
  EXPECT_EQ(*recipient_user("42@anything", ""), core::UserId{42});
}

TEST(Address, RecipientRefusesNonIdsAndExternalIds) {
  for (const char* bad : {"alice@x", "042@x", "0@x", "18446744073709551615@x", "9223372036854775808@x", "-1@x"}) {
    EXPECT_EQ(recipient_user(bad, "x").error(), errc::unknown_recipient) << bad;
  }
}

TEST(Address, ExternalSenderIsStableAndMarked) {
  const auto a = external_user("alice@example.com");
  EXPECT_EQ(a, external_user("alice@example.com"));
  EXPECT_NE(a, external_user("bob@example.com"));
  EXPECT_TRUE(is_external(a));
  EXPECT_NE(a.value(), ~std::uint64_t{0});
  EXPECT_FALSE(is_external(core::UserId{42}));
}

}  // namespace
}  // namespace iris::mail
