// HttpRequestReader with a BodySink: the streamed body of POST /v1/blobs.
#include <gtest/gtest.h>

#include "net/errc.h"
#include "net/http_request_reader.h"
#include "net/http_route.h"

namespace iris::net {
namespace {

struct FakeSink final : HttpRequestReader::BodySink {
  std::uint64_t limit = 100;
  std::error_code refuse_at_begin;
  std::string got;
  int begins = 0;
  std::optional<std::uint64_t> streams(std::string_view method, std::string_view target) override {
    if (!is_blob_upload(method, target)) return std::nullopt;
    return limit;
  }
  std::error_code begin(const HttpRequest&, bool) override {
    ++begins;
    return refuse_at_begin;
  }
  std::error_code write(std::string_view bytes) override {
    got.append(bytes);
    return {};
  }
};

HttpOptions options() {
  HttpOptions o;
  o.max_body_bytes = 10;  // smaller than the sink's limit: a streamed body is not held to it
  return o;
}

TEST(HttpBodySink, StreamsTheBodyOfABlobUploadPastMaxBodyBytes) {
  const HttpOptions o = options();
  FakeSink sink;
  HttpRequestReader reader(o, &sink);
  const std::string body(60, 'x');
  EXPECT_EQ(reader.feed("POST /v1/blobs HTTP/1.1\r\nContent-Length: 60\r\n\r\n" + body),
            HttpRequestReader::Status::done);
  EXPECT_TRUE(reader.streamed());
  EXPECT_EQ(sink.got, body);
  EXPECT_TRUE(reader.request().body().empty());
}

TEST(HttpBodySink, StreamsAChunkedBody) {
  const HttpOptions o = options();
  FakeSink sink;
  HttpRequestReader reader(o, &sink);
  EXPECT_EQ(reader.feed("POST /v1/blobs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
            HttpRequestReader::Status::done);
  EXPECT_EQ(sink.got, "hello world");
}

TEST(HttpBodySink, RefusesADeclaredLengthOverTheSinkLimitBeforeTheBody) {
  const HttpOptions o = options();
  FakeSink sink;
  HttpRequestReader reader(o, &sink);
  EXPECT_EQ(reader.feed("POST /v1/blobs HTTP/1.1\r\nContent-Length: 101\r\n\r\n"),
            HttpRequestReader::Status::refused);
  EXPECT_EQ(reader.refusal(), errc::body_too_large);
  EXPECT_EQ(sink.begins, 0);
}

TEST(HttpBodySink, RefusesAChunkedBodyAsItPassesTheSinkLimit) {
  const HttpOptions o = options();
  FakeSink sink;
  sink.limit = 8;
  HttpRequestReader reader(o, &sink);
  EXPECT_EQ(reader.feed("POST /v1/blobs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n"),
            HttpRequestReader::Status::refused);
  EXPECT_EQ(reader.refusal(), errc::body_too_large);
}

TEST(HttpBodySink, ASinkRefusalAtTheHeaderIsTheRequestsRefusal) {
  const HttpOptions o = options();
  FakeSink sink;
  sink.refuse_at_begin = errc::missing_token;
  HttpRequestReader reader(o, &sink);
  EXPECT_EQ(reader.feed("POST /v1/blobs HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
            HttpRequestReader::Status::refused);
  EXPECT_EQ(reader.refusal(), errc::missing_token);
  EXPECT_TRUE(sink.got.empty());
}

TEST(HttpBodySink, OtherRequestsAreBufferedAndHeldToMaxBodyBytes) {
  const HttpOptions o = options();
  FakeSink sink;
  HttpRequestReader reader(o, &sink);
  EXPECT_EQ(reader.feed("POST /v1/threads HTTP/1.1\r\nContent-Length: 11\r\n\r\n"),
            HttpRequestReader::Status::refused);
  EXPECT_EQ(reader.refusal(), errc::body_too_large);
  HttpRequestReader second(o, &sink);
  EXPECT_EQ(second.feed("POST /v1/threads HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"), HttpRequestReader::Status::done);
  EXPECT_FALSE(second.streamed());
  EXPECT_EQ(second.request().body(), "abc");
  EXPECT_EQ(sink.begins, 0);
}

TEST(HttpBodySink, WantsContinueOnlyWhileAnExpectingBodyIsPending) {
  const HttpOptions o = options();
  FakeSink sink;
  HttpRequestReader reader(o, &sink);
  EXPECT_EQ(reader.feed("POST /v1/blobs HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"),
            HttpRequestReader::Status::need_more);
  EXPECT_TRUE(reader.wants_continue());
  EXPECT_EQ(reader.feed("abc"), HttpRequestReader::Status::done);
  EXPECT_FALSE(reader.wants_continue());
}

}  // namespace
}  // namespace iris::net
