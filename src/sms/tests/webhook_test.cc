#include "sms/webhook.h"

#include <gtest/gtest.h>

#include "sms/errc.h"

namespace iris::sms {
namespace {

// Twilio's documented example (docs: "Validating requests"): this URL, these fields and
// auth token 12345 sign to 0/KCTR6DLpKmkAf8muzZqo1nDgQ=.
const Form kTwilioExample = {{"CallSid", "CA1234567890ABCDE"}, {"Caller", "+12349013030"}, {"Digits", "1234"},
                             {"From", "+12349013030"},         {"To", "+18005551212"}};
constexpr std::string_view kTwilioUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";

TEST(SmsSignature, MatchesTheProvidersDocumentedExample) {
  EXPECT_EQ(signature("12345", kTwilioUrl, kTwilioExample), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
}

TEST(SmsSignature, DoesNotDependOnTheOrderTheFieldsCameIn) {
  Form reversed(kTwilioExample.rbegin(), kTwilioExample.rend());
  EXPECT_TRUE(signature_ok("12345", kTwilioUrl, reversed, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
}

TEST(SmsSignature, RefusesAnotherTokenUrlFieldOrHeader) {
  const std::string good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
  EXPECT_FALSE(signature_ok("12346", kTwilioUrl, kTwilioExample, good));
  EXPECT_FALSE(signature_ok("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", kTwilioExample, good));
  Form changed = kTwilioExample;
  changed[2].second = "1235";
  EXPECT_FALSE(signature_ok("12345", kTwilioUrl, changed, good));
  EXPECT_FALSE(signature_ok("12345", kTwilioUrl, kTwilioExample, ""));
  EXPECT_FALSE(signature_ok("12345", kTwilioUrl, kTwilioExample, good.substr(0, 27)));
  EXPECT_FALSE(signature_ok("", kTwilioUrl, kTwilioExample, signature("", kTwilioUrl, kTwilioExample)));
}

TEST(SmsForm, DecodesPlusPercentAndEmptyValues) {
  auto form = parse_form("From=%2B15551234567&Body=hi+there%21&Empty=&Flag", 10);
  ASSERT_TRUE(form);
  ASSERT_EQ(form->size(), 4u);
  EXPECT_EQ((*form)[0], (std::pair<std::string, std::string>{"From", "+15551234567"}));
  EXPECT_EQ((*form)[1].second, "hi there!");
  EXPECT_EQ((*form)[2].second, "");
  EXPECT_EQ((*form)[3].second, "");
}

TEST(SmsForm, RefusesBadEscapesAndTooManyFields) {
  EXPECT_EQ(parse_form("a=%4", 10).error(), errc::bad_form);
  EXPECT_EQ(parse_form("a=%zz", 10).error(), errc::bad_form);
  EXPECT_EQ(parse_form("=x", 10).error(), errc::bad_form);
  EXPECT_EQ(parse_form("a=1&b=2&c=3", 2).error(), errc::bad_form);
  EXPECT_TRUE(parse_form("a=1&b=2", 2));
}

TEST(SmsForm, EncodingRoundTrips) {
  const Form form = {{"To", "+15551234567"}, {"Body", "ça & va = 100%"}};
  const std::string encoded = encode_form(form);
  EXPECT_EQ(encoded.find(' '), std::string::npos);
  auto back = parse_form(encoded, 10);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, form);
}

TEST(SmsNumber, NormalizesE164AndRefusesTheRest) {
  EXPECT_EQ(*normalize_number("+1 (555) 123-4567"), "+15551234567");
  EXPECT_EQ(normalize_number("15551234567").error(), errc::bad_number);
  EXPECT_EQ(normalize_number("+0551234567").error(), errc::bad_number);
  EXPECT_EQ(normalize_number("+1555").error(), errc::bad_number);
  EXPECT_EQ(normalize_number("+1555123456789012").error(), errc::bad_number);
  EXPECT_EQ(normalize_number("+1555abc4567").error(), errc::bad_number);
}

TEST(SmsNumber, ExternalIdentityIsStableExternalAndDistinct) {
  const auto a = external_user("+15551234567");
  EXPECT_EQ(a, external_user("+15551234567"));
  EXPECT_NE(a, external_user("+15551234568"));
  EXPECT_NE(a.value() & (std::uint64_t{1} << 63), 0u);
}

TEST(SmsInbound, TakesTheProvidersFieldsAndClipsTheBody) {
  const Form form = {{"From", "+15551234567"}, {"To", "+15557654321"}, {"Body", "hello world"},
                     {"MessageSid", "SM0123"}, {"AccountSid", "AC1"}};
  auto in = inbound(form, 8);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->from, "+15551234567");
  EXPECT_EQ(in->to, "+15557654321");
  EXPECT_LE(in->body.size(), 8u);
  EXPECT_EQ(in->sid, "SM0123");
}

TEST(SmsInbound, RefusesMissingRepeatedOrMalformedFields) {
  const Form good = {{"From", "+15551234567"}, {"To", "+15557654321"}, {"Body", "x"}, {"MessageSid", "SM1"}};
  for (std::size_t drop = 0; drop < good.size(); ++drop) {
    Form f = good;
    f.erase(f.begin() + static_cast<long>(drop));
    EXPECT_FALSE(inbound(f, 100)) << drop;
  }
  Form repeated = good;
  repeated.emplace_back("From", "+15550000000");
  EXPECT_FALSE(inbound(repeated, 100));
  Form bad_utf8 = good;
  bad_utf8[2].second = "\xff";
  EXPECT_FALSE(inbound(bad_utf8, 100));
  Form long_sid = good;
  long_sid[3].second = std::string(65, 'S');
  EXPECT_FALSE(inbound(long_sid, 100));
}

TEST(SmsIds, AProviderRetryHasTheSameMessageKeyAndThreadKey) {
  EXPECT_EQ(message_key("SM1"), message_key("SM1"));
  EXPECT_NE(message_key("SM1"), message_key("SM2"));
  EXPECT_EQ(thread_key("+15551234567", core::UserId{7}), thread_key("+15551234567", core::UserId{7}));
  EXPECT_NE(thread_key("+15551234567", core::UserId{7}), thread_key("+15551234567", core::UserId{8}));
}

TEST(SmsBasicAuth, EncodesUserAndPassword) { EXPECT_EQ(basic_auth("AC1", "tok"), "Basic QUMxOnRvaw=="); }

}  // namespace
}  // namespace iris::sms
