#include "net/http_api_request.h"

#include <gtest/gtest.h>

#include "net/errc.h"

namespace iris::net {
namespace {

using namespace std::chrono_literals;

const std::chrono::sys_seconds kNow{std::chrono::seconds(1'700'000'000)};

HttpRequest read(const std::string& bytes) {
  HttpOptions options;
  HttpRequestReader r(options);
  EXPECT_EQ(r.feed(bytes), HttpRequestReader::Status::done);
  return r.request();
}

class HttpApiRequestTest : public ::testing::Test {
 protected:
  TokenSigner signer_{"0123456789abcdef0123456789abcdef"};
  std::string token_ = signer_.issue({"7", "phone", kNow + 1h});
  RouteLimits limits_;
};

TEST_F(HttpApiRequestTest, HealthNeedsNoTokenAndTakesTheAnswersEncodings) {
  const auto api = read_api_request(
      read("GET /healthz HTTP/1.1\r\nAccept: application/json\r\nAccept-Encoding: gzip\r\n\r\n"), limits_,
      nullptr, kNow);
  ASSERT_TRUE(api.route.has_value());
  EXPECT_TRUE(std::holds_alternative<HealthRoute>(*api.route));
  EXPECT_TRUE(api.json);
  EXPECT_TRUE(api.gzip);
  EXPECT_TRUE(api.keep_alive);
}

TEST_F(HttpApiRequestTest, BearerTokenNamesTheUser) {
  const auto api = read_api_request(
      read("GET /v1/snapshot HTTP/1.1\r\nAuthorization: Bearer " + token_ + "\r\n\r\n"), limits_, &signer_, kNow);
  ASSERT_TRUE(api.user.has_value());
  EXPECT_EQ(*api.user, core::UserId{7});
  EXPECT_EQ(read_api_request(read("GET /v1/snapshot HTTP/1.1\r\n\r\n"), limits_, &signer_, kNow).user.error(),
            make_error_code(errc::missing_token));
  EXPECT_EQ(read_api_request(read("GET /v1/snapshot HTTP/1.1\r\nAuthorization: Bearer " + token_ + "\r\n\r\n"),
                             limits_, &signer_, kNow + 2h)
                .user.error(),
            make_error_code(errc::token_expired));
}

TEST_F(HttpApiRequestTest, CreateThreadBodyIsDecodedInItsContentType) {
  const std::string body = R"({"create_thread_request":{"client_id":"0000000000000000000000000000002a","name":"n","participants":["2"]}})";
  const auto api = read_api_request(
      read("POST /v1/threads HTTP/1.1\r\nAuthorization: Bearer " + token_ +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body),
      limits_, &signer_, kNow);
  ASSERT_TRUE(api.body.has_value()) << api.body.error().message();
  EXPECT_TRUE(std::holds_alternative<wire::CreateThreadRequest>(*api.body));
  const auto text = read_api_request(
      read("POST /v1/threads HTTP/1.1\r\nAuthorization: Bearer " + token_ +
           "\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nx"),
      limits_, &signer_, kNow);
  EXPECT_EQ(text.body.error(), make_error_code(errc::unsupported_media_type));
}

}  // namespace
}  // namespace iris::net
