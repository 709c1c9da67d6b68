#include "net/http_request_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "net/errc.h"
#include "net/gzip.h"

namespace iris::net {
namespace {

using Status = HttpRequestReader::Status;

std::string chunked_get(const std::string& trailer) {
  return "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailer + "\r\n";
}

std::string post(const std::string& extra_headers, const std::string& body) {
  return "POST /v1/threads HTTP/1.1\r\nHost: x\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class HttpRequestReaderTest : public ::testing::Test {
 protected:
  // Feeds `bytes` whole, then one byte at a time: both must reach the same outcome.
  Status feed_both_ways(const std::string& bytes) {
    HttpRequestReader whole(options_);
    const Status a = whole.feed(bytes);
    HttpRequestReader bytewise(options_);
    Status b = Status::need_more;
    for (char c : bytes) {
      b = bytewise.feed(std::string_view(&c, 1));
      if (b != Status::need_more) break;
    }
    EXPECT_EQ(a, b) << "whole vs byte by byte";
    if (a == Status::refused && b == Status::refused) {
      EXPECT_EQ(whole.refusal(), bytewise.refusal());
    }
    last_refusal_ = whole.refusal();
    return a;
  }

  HttpOptions options_;
  std::error_code last_refusal_;
};

TEST_F(HttpRequestReaderTest, ReadsAPlainRequestWithItsBody) {
  HttpRequestReader r(options_);
  ASSERT_EQ(r.feed(post("Content-Type: application/json\r\n", "{}")), Status::done);
  EXPECT_EQ(r.request().target(), "/v1/threads");
  EXPECT_EQ(r.request().body(), "{}");
  EXPECT_EQ(r.request()[boost::beast::http::field::content_type], "application/json");
}

TEST_F(HttpRequestReaderTest, ATrailerFieldTooLargeForBeastIsRefusedNotThrown) {
  // Issue 23 "Pre-auth crash": a 70,000-byte trailer field made Beast throw length_error.
  EXPECT_EQ(feed_both_ways(chunked_get("X: " + std::string(70'000, 'a') + "\r\n")), Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::header_too_large));
  // Raised to the most the config allows, the trailer limit still refuses it.
  options_.max_trailer_bytes = HttpOptions::kMaxFieldSectionBytes;
  EXPECT_EQ(feed_both_ways(chunked_get("X: " + std::string(70'000, 'a') + "\r\n")), Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::header_too_large));
}

TEST_F(HttpRequestReaderTest, TrailersWithinTheLimitAreReadAndDropped) {
  HttpRequestReader r(options_);
  ASSERT_EQ(r.feed(chunked_get("Authorization: Bearer smuggled\r\n")), Status::done);
  EXPECT_EQ(r.request()[boost::beast::http::field::authorization], "");
  options_.max_trailer_bytes = 10;
  EXPECT_EQ(feed_both_ways(chunked_get("Authorization: Bearer smuggled\r\n")), Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::header_too_large));
}

TEST_F(HttpRequestReaderTest, HeaderOverTheLimitIsRefusedAs431EvenWhenTheLimitIsRaised) {
  EXPECT_EQ(feed_both_ways("GET / HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n"), Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::header_too_large));
  // A limit set past what Beast's fields hold (only possible without the config's check) still
  // refuses a 70,000-byte field instead of throwing.
  options_.max_header_bytes = 1 << 20;
  EXPECT_EQ(feed_both_ways("GET / HTTP/1.1\r\nX: " + std::string(70'000, 'a') + "\r\n\r\n"), Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::header_too_large));
  options_.max_header_bytes = HttpOptions::kMaxFieldSectionBytes;
  EXPECT_EQ(feed_both_ways("GET / HTTP/1.1\r\nX: " + std::string(60'000, 'a') + "\r\n\r\n"), Status::done);
}

TEST_F(HttpRequestReaderTest, ChunkExtensionsAreBoundedPerRequest) {
  const std::string head = "POST /v1/threads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  // One endless extension: refused before its line ends.
  EXPECT_EQ(feed_both_ways(head + "1;" + std::string(5000, 'e')), Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::chunk_extensions_too_large));
  // Many small ones, each line short, summed over the request.
  std::string many = head;
  for (int i = 0; i < 40; ++i) many += "1;ext=" + std::string(40, 'v') + "\r\nx\r\n";
  EXPECT_EQ(feed_both_ways(many + "0\r\n\r\n"), Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::chunk_extensions_too_large));
  // Within the limit: read, body joined.
  EXPECT_EQ(feed_both_ways(head + "2;a=b\r\nhi\r\n0\r\n\r\n"), Status::done);
}

TEST_F(HttpRequestReaderTest, BodyOverTheLimitIsRefusedAsSentAndAsChunked) {
  options_.max_body_bytes = 100;
  EXPECT_EQ(feed_both_ways(post("", std::string(101, 'b'))), Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::body_too_large));
  const std::string head = "POST /v1/threads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(feed_both_ways(head + "40\r\n" + std::string(64, 'b') + "\r\n40\r\n" + std::string(64, 'b') + "\r\n0\r\n\r\n"),
            Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::body_too_large));
}

TEST_F(HttpRequestReaderTest, GzipBodyIsDecodedAndItsDecodedSizeCountsAgainstTheLimit) {
  const std::string json = R"({"create_thread_request":{}})";
  HttpRequestReader r(options_);
  ASSERT_EQ(r.feed(post("Content-Encoding: gzip\r\n", gzip(json))), Status::done);
  EXPECT_EQ(r.request().body(), json);
  EXPECT_EQ(r.request()[boost::beast::http::field::content_encoding], "");
  // A bomb: 64 KiB compressed to a few hundred bytes, one byte over the limit decoded.
  options_.max_body_bytes = 64 * 1024;
  EXPECT_EQ(feed_both_ways(post("Content-Encoding: gzip\r\n", gzip(std::string(64 * 1024 + 1, 'z')))),
            Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::body_too_large));
  EXPECT_EQ(feed_both_ways(post("Content-Encoding: x-gzip\r\n", "not gzip")), Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::bad_content_encoding));
}

TEST_F(HttpRequestReaderTest, UnknownContentEncodingIsRefusedBeforeTheBody) {
  EXPECT_EQ(feed_both_ways("POST /v1/threads HTTP/1.1\r\nContent-Encoding: br\r\nContent-Length: 1000\r\n\r\n"),
            Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::unsupported_content_encoding));
  EXPECT_EQ(feed_both_ways(post("Content-Encoding: gzip, gzip\r\n", "x")), Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::unsupported_content_encoding));
  EXPECT_EQ(feed_both_ways(post("Content-Encoding: identity\r\n", "x")), Status::done);
}

TEST_F(HttpRequestReaderTest, TransferEncodingMustEndInChunkedAndBeNothingElse) {
  // Beast would read "gzip" alone as no body at all, and the body as the next request.
  EXPECT_EQ(feed_both_ways("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nGET /x HTTP/1.1\r\n\r\n"),
            Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::malformed_request));
  EXPECT_EQ(feed_both_ways("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"), Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::unsupported_transfer_encoding));
  EXPECT_EQ(feed_both_ways("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"), Status::refused);
  EXPECT_EQ(last_refusal_, make_error_code(errc::malformed_request));
}

TEST_F(HttpRequestReaderTest, MalformedRequestsAreRefusedAs400) {
  for (const std::string bad : {"GET\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "G@T / HTTP/1.1\r\n\r\n",
                                "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    EXPECT_EQ(feed_both_ways(bad), Status::refused) << bad;
    EXPECT_EQ(last_refusal_, make_error_code(errc::malformed_request)) << bad;
  }
}

TEST_F(HttpRequestReaderTest, PipelinedRequestsAreReadOneAfterTheOther) {
  HttpRequestReader r(options_);
  ASSERT_EQ(r.feed("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c"), Status::done);
  EXPECT_EQ(r.request().target(), "/a");
  ASSERT_EQ(r.next(), Status::done);
  EXPECT_EQ(r.request().target(), "/b");
  EXPECT_EQ(r.next(), Status::need_more);
  EXPECT_EQ(r.feed(" HTTP/1.1\r\n\r\n"), Status::done);
  EXPECT_EQ(r.request().target(), "/c");
}

TEST_F(HttpRequestReaderTest, EndOfStreamClosesWithoutARefusal) {
  HttpRequestReader r(options_);
  EXPECT_EQ(r.feed("GET / HT"), Status::need_more);
  EXPECT_EQ(r.eof(), Status::closed);
}

TEST_F(HttpRequestReaderTest, FieldsReadBeforeARefusalNameTheRefusalsEncoding) {
  options_.max_body_bytes = 1;
  HttpRequestReader r(options_);
  ASSERT_EQ(r.feed(post("Accept: application/json\r\n", "too long")), Status::refused);
  EXPECT_EQ(r.header()[boost::beast::http::field::accept], "application/json");
}

}  // namespace
}  // namespace iris::net
