#include "net/cors.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace iris::net {
namespace {

const std::vector<std::string> kOrigins{"https://app.example.com", "http://127.0.0.1:8080"};

std::string field(const CorsVerdict& v, std::string_view name) {
  const auto it = std::find_if(v.headers.begin(), v.headers.end(), [&](const auto& h) { return h.first == name; });
  return it == v.headers.end() ? std::string{} : it->second;
}

TEST(CorsTest, ListedOriginGetsItsOriginBackAndNoCredentials) {
  const auto v = cors_verdict(kOrigins, "GET", "/v1/route", "http://127.0.0.1:8080", "");
  EXPECT_FALSE(v.preflight);
  EXPECT_EQ(field(v, "Access-Control-Allow-Origin"), "http://127.0.0.1:8080");
  EXPECT_EQ(field(v, "Vary"), "Origin");
  EXPECT_NE(field(v, "Access-Control-Expose-Headers").find("Retry-After"), std::string::npos);
  EXPECT_EQ(field(v, "Access-Control-Allow-Credentials"), "");
}

TEST(CorsTest, UnlistedOriginGetsNoAllowHeaders) {
  for (const char* origin : {"https://evil.example", "http://127.0.0.1:8081", "https://app.example.com.evil",
                             "HTTPS://APP.EXAMPLE.COM", "null", ""}) {
    const auto v = cors_verdict(kOrigins, "GET", "/v1/snapshot", origin, "");
    EXPECT_EQ(field(v, "Access-Control-Allow-Origin"), "") << origin;
    EXPECT_FALSE(v.preflight) << origin;
    EXPECT_EQ(field(v, "Vary"), "Origin") << "a cache must still key on Origin";
  }
  // The same for a preflight: not answered, so the session's usual 405 stands.
  const auto v = cors_verdict(kOrigins, "OPTIONS", "/v1/requests", "https://evil.example", "POST");
  EXPECT_FALSE(v.preflight);
  EXPECT_EQ(field(v, "Access-Control-Allow-Origin"), "");
}

TEST(CorsTest, PreflightOfListedOriginIsAnsweredWithMethodsHeadersAndMaxAge) {
  const auto v = cors_verdict(kOrigins, "OPTIONS", "/v1/requests", "https://app.example.com", "POST");
  EXPECT_TRUE(v.preflight);
  EXPECT_EQ(field(v, "Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(field(v, "Access-Control-Allow-Methods"), "GET, POST");
  EXPECT_NE(field(v, "Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
  EXPECT_NE(field(v, "Access-Control-Allow-Headers").find("Content-Type"), std::string::npos);
  EXPECT_EQ(field(v, "Access-Control-Max-Age"), std::to_string(kCorsMaxAgeSeconds));
  EXPECT_EQ(field(v, "Access-Control-Allow-Credentials"), "");
  // OPTIONS without Access-Control-Request-Method is no preflight.
  EXPECT_FALSE(cors_verdict(kOrigins, "OPTIONS", "/v1/requests", "https://app.example.com", "").preflight);
}

TEST(CorsTest, NothingOutsideTheApiAndNothingWhenNoOriginIsConfigured) {
  EXPECT_TRUE(cors_verdict(kOrigins, "GET", "/metrics", "https://app.example.com", "").headers.empty());
  EXPECT_TRUE(cors_verdict(kOrigins, "GET", "/app/", "https://app.example.com", "").headers.empty());
  EXPECT_TRUE(cors_verdict(kOrigins, "GET", "/v1", "https://app.example.com", "").headers.empty());
  const auto none = cors_verdict({}, "OPTIONS", "/v1/route", "https://app.example.com", "GET");
  EXPECT_TRUE(none.headers.empty());
  EXPECT_FALSE(none.preflight);
}

TEST(CorsTest, OnlySchemeHostAndPortAreValidOrigins) {
  EXPECT_TRUE(valid_cors_origin("https://app.example.com"));
  EXPECT_TRUE(valid_cors_origin("http://127.0.0.1:8080"));
  EXPECT_TRUE(valid_cors_origin("http://[::1]:8080"));
  EXPECT_FALSE(valid_cors_origin("*"));
  EXPECT_FALSE(valid_cors_origin("app.example.com"));
  EXPECT_FALSE(valid_cors_origin("https://app.example.com/"));
  EXPECT_FALSE(valid_cors_origin("https://app.example.com/app"));
  EXPECT_FALSE(valid_cors_origin("https://"));
  EXPECT_FALSE(valid_cors_origin("http://h:"));
  EXPECT_FALSE(valid_cors_origin("http://h:123456"));
  EXPECT_FALSE(valid_cors_origin("https://App.example.com")) << "browsers send the host in lower case";
  EXPECT_FALSE(valid_cors_origin("https://" + std::string(300, 'a')));
}

}  // namespace
}  // namespace iris::net
