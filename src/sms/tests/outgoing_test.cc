#include "sms/outgoing.h"

#include <gtest/gtest.h>

namespace iris::sms {
namespace {

TEST(SmsOutgoing, ParsesHttpUrlsWithAndWithoutPortAndPath) {
  EXPECT_EQ(*parse_http_url("http://127.0.0.1:8080/2010-04-01/Accounts/AC1/Messages.json"),
            (HttpUrl{"127.0.0.1", "8080", "/2010-04-01/Accounts/AC1/Messages.json"}));
  EXPECT_EQ(*parse_http_url("http://sms.example"), (HttpUrl{"sms.example", "80", "/"}));
  EXPECT_EQ(*parse_http_url("http://[::1]:9/x?y=1"), (HttpUrl{"::1", "9", "/x?y=1"}));
}

TEST(SmsOutgoing, RefusesOtherSchemesCredentialsAndBadPorts) {
  EXPECT_FALSE(parse_http_url("https://sms.example/"));
  EXPECT_FALSE(parse_http_url("http://user:pw@sms.example/"));
  EXPECT_FALSE(parse_http_url("http://:80/"));
  EXPECT_FALSE(parse_http_url("http://h:8x/"));
  EXPECT_FALSE(parse_http_url("http://h/a b"));
}

TEST(SmsOutgoing, OnlyA2xxIsSentAnd429Or5xxIsRetried) {
  EXPECT_EQ(verdict(201), Verdict::accepted);
  EXPECT_EQ(verdict(200), Verdict::accepted);
  EXPECT_EQ(verdict(429), Verdict::temporary);
  EXPECT_EQ(verdict(503), Verdict::temporary);
  EXPECT_EQ(verdict(400), Verdict::permanent);
  EXPECT_EQ(verdict(401), Verdict::permanent);
  EXPECT_EQ(verdict(302), Verdict::permanent);
}

TEST(SmsOutgoing, TheFormCarriesToFromAndBody) {
  const Form f = outgoing_form("+15551234567", "+15557654321", "hi");
  EXPECT_EQ(encode_form(f), "To=%2B15551234567&From=%2B15557654321&Body=hi");
}

}  // namespace
}  // namespace iris::sms
