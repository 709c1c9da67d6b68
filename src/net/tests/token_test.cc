#include "net/token.h"

#include <gtest/gtest.h>

#include "net/errc.h"

namespace iris::net {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

const sys_seconds kNow{seconds{1'800'000'000}};
const TokenSigner kSigner("0123456789abcdef0123456789abcdef");

TEST(Token, IssuedTokenVerifiesWithItsClaims) {
  const TokenClaims claims{"42", "phone-1.a", kNow + seconds{3600}};
  const auto token = kSigner.issue(claims);
  EXPECT_TRUE(token.starts_with("v1."));
  auto back = kSigner.verify(token, kNow);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, claims);
}

TEST(Token, ExpiresAtItsExpiryTime) {
  const auto token = kSigner.issue({"1", "d", kNow + seconds{10}});
  EXPECT_TRUE(kSigner.verify(token, kNow + seconds{9}));
  EXPECT_EQ(kSigner.verify(token, kNow + seconds{10}).error(), errc::token_expired);
}

TEST(Token, AnotherSecretsTokenIsRefused) {
  const TokenSigner other("another secret, also long enough");
  const auto token = other.issue({"1", "d", kNow + seconds{10}});
  EXPECT_EQ(kSigner.verify(token, kNow).error(), errc::bad_token);
}

TEST(Token, AnyAlteredCharacterIsRefused) {
  const auto token = kSigner.issue({"1", "device", kNow + seconds{100}});
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string bad = token;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(kSigner.verify(bad, kNow)) << "position " << i;
  }
}

// The MAC (32 bytes: 43 characters, the last carrying 2 spare bits) and a payload whose length
// is not a multiple of 3 end in a character whose low bits encode nothing: changing them gives
// another spelling of the same bytes, which must not verify.
TEST(Token, NonCanonicalBase64WithTheSameBytesIsRefused) {
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // Payload "1\ndevice\n<10 digits>": 19 bytes, 26 characters, the last with 4 spare bits.
  const auto token = kSigner.issue({"1", "device", kNow + seconds{100}});
  ASSERT_TRUE(kSigner.verify(token, kNow));
  const auto mac_dot = token.rfind('.');
  ASSERT_EQ(mac_dot - 3, 26u);
  ASSERT_EQ(token.size() - mac_dot - 1, 43u);
  for (std::size_t last : {mac_dot - 1, token.size() - 1}) {  // end of payload, end of MAC
    for (unsigned spare : {1u, 2u, 3u}) {
      std::string tampered = token;
      const auto v = kAlphabet.find(tampered[last]);
      tampered[last] = kAlphabet[v ^ spare];
      const auto r = kSigner.verify(tampered, kNow);
      ASSERT_FALSE(r) << "position " << last << " spare bits " << spare << " verified: " << tampered;
      EXPECT_EQ(r.error(), errc::bad_token);
    }
  }
}

TEST(Token, GarbageIsRefusedNotCrashed) {
  for (std::string_view bad : {"", "v1.", "v1..", "v1.x.y", "v2.abc.def", "v1.!!!.###",
                               "v1.abcd", "....", "v1.a.b.c"}) {
    EXPECT_EQ(kSigner.verify(bad, kNow).error(), errc::bad_token) << bad;
  }
  EXPECT_FALSE(kSigner.verify(std::string(10000, 'v'), kNow));
}

TEST(Token, GeneratedSecretsAreLongAndDistinct) {
  const auto a = generate_secret();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, generate_secret());
}

}  // namespace
}  // namespace iris::net
