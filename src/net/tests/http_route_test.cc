#include "net/http_route.h"

#include <gtest/gtest.h>

#include "net/errc.h"

namespace iris::net {
namespace {

const RouteLimits kLimits{};  // 20 / 200 messages, 50 / 200 per page

Result<Route> get(std::string_view target) { return parse_route("GET", target, kLimits); }

TEST(HttpRoute, SnapshotTakesTheDefaultMessageCountOrTheAskedOne) {
  EXPECT_EQ(get("/v1/snapshot"), Route{SnapshotRoute{20}});
  EXPECT_EQ(get("/v1/snapshot?messages=5"), Route{SnapshotRoute{5}});
  EXPECT_EQ(get("/v1/snapshot?messages=0"), Route{SnapshotRoute{0}});
  EXPECT_EQ(get("/v1/snapshot?messages=200"), Route{SnapshotRoute{200}});
  EXPECT_EQ(get("/v1/snapshot?"), Route{SnapshotRoute{20}});
}

TEST(HttpRoute, BlobsUploadByPostAndDownloadByHexId) {
  const std::string hex(64, 'a');
  EXPECT_EQ(parse_route("POST", "/v1/blobs", kLimits), Route{BlobUploadRoute{}});
  EXPECT_EQ(get("/v1/blobs").error(), errc::method_not_allowed);
  EXPECT_EQ(get("/v1/blobs/" + hex), Route{BlobDownloadRoute{*core::BlobId::from_hex(hex)}});
  EXPECT_EQ(parse_route("POST", "/v1/blobs/" + hex, kLimits).error(), errc::method_not_allowed);
  for (const std::string& bad : {std::string(64, 'A'), std::string(63, 'a'), hex + "/x", std::string()}) {
    EXPECT_EQ(get("/v1/blobs/" + bad).error(), errc::no_route) << bad;
  }
  EXPECT_TRUE(is_blob_upload("POST", "/v1/blobs?x=1"));
  EXPECT_FALSE(is_blob_upload("GET", "/v1/blobs"));
  EXPECT_FALSE(is_blob_upload("POST", "/v1/blobsx"));
}

TEST(HttpRoute, SnapshotRefusesAMalformedOrTooLargeCount) {
  for (auto target : {"/v1/snapshot?messages=201", "/v1/snapshot?messages=-1",
                      "/v1/snapshot?messages=05", "/v1/snapshot?messages=", "/v1/snapshot?messages",
                      "/v1/snapshot?messages=1x", "/v1/snapshot?messages=1&messages=2",
                      "/v1/snapshot?messages=99999999999999999999999"}) {
    EXPECT_EQ(get(target).error(), errc::bad_query) << target;
  }
}

TEST(HttpRoute, IgnoresUnknownQueryParameters) {
  EXPECT_EQ(get("/v1/snapshot?foo=bar&messages=3&x"), Route{SnapshotRoute{3}});
}

TEST(HttpRoute, ThreadMessagesParsesThreadBeforeAndLimit) {
  EXPECT_EQ(get("/v1/threads/42/messages"),
            (Route{ThreadMessagesRoute{core::ThreadId{42}, std::nullopt, 50}}));
  EXPECT_EQ(get("/v1/threads/42/messages?before=1000&limit=10"),
            (Route{ThreadMessagesRoute{core::ThreadId{42}, core::MessageId{1000}, 10}}));
  EXPECT_EQ(get("/v1/threads/18446744073709551615/messages?limit=200"),
            (Route{ThreadMessagesRoute{core::ThreadId{~0ull}, std::nullopt, 200}}));
}

TEST(HttpRoute, ThreadMessagesRefusesBadIdsAndLimits) {
  for (auto target : {"/v1/threads/abc/messages", "/v1/threads/042/messages",
                      "/v1/threads/18446744073709551616/messages", "/v1/threads/1/messages?limit=0",
                      "/v1/threads/1/messages?limit=201", "/v1/threads/1/messages?before=x",
                      "/v1/threads/1/messages?before=", "/v1/threads/-1/messages"}) {
    EXPECT_EQ(get(target).error(), errc::bad_query) << target;
  }
}

TEST(HttpRoute, UnknownPathsAreNoRoute) {
  for (auto target : {"/", "/v1", "/v1/snapshot/", "/v2/snapshot", "/v1/threads/1",
                      "/v1/threads//messages", "/v1/threads/1/2/messages", "/healthz/",
                      "/v1/threads/1/messages/", "v1/snapshot"}) {
    EXPECT_EQ(get(target).error(), errc::no_route) << target;
  }
}

TEST(HttpRoute, ContactsAreAGet) {
  EXPECT_EQ(get("/v1/contacts"), Route{ContactsRoute{}});
  EXPECT_EQ(parse_route("POST", "/v1/contacts", kLimits).error(), errc::method_not_allowed);
}

TEST(HttpRoute, SmsNumberVerificationIsTwoPostsThatNeedAToken) {
  EXPECT_EQ(parse_route("POST", "/v1/sms/numbers", kLimits), Route{SmsNumberRoute{false}});
  EXPECT_EQ(parse_route("POST", "/v1/sms/numbers/verify", kLimits), Route{SmsNumberRoute{true}});
  EXPECT_EQ(get("/v1/sms/numbers").error(), errc::method_not_allowed);
  EXPECT_EQ(parse_route("POST", "/v1/sms/numbers/other", kLimits).error(), errc::no_route);
  EXPECT_TRUE(needs_token(Route{SmsNumberRoute{true}}));
}

TEST(HttpRoute, EachPathTakesOnlyItsMethod) {
  EXPECT_EQ(parse_route("POST", "/v1/threads", kLimits), Route{CreateThreadRoute{}});
  EXPECT_EQ(get("/v1/threads").error(), errc::method_not_allowed);
  EXPECT_EQ(parse_route("POST", "/v1/snapshot", kLimits).error(), errc::method_not_allowed);
  EXPECT_EQ(parse_route("DELETE", "/v1/threads/1/messages", kLimits).error(), errc::method_not_allowed);
  EXPECT_EQ(parse_route("HEAD", "/healthz", kLimits).error(), errc::method_not_allowed);
  EXPECT_EQ(parse_route("PUT", "/metrics", kLimits).error(), errc::method_not_allowed);
}

TEST(HttpRoute, BaselineViewsOfTheBandwidthBenchmark) {
  EXPECT_EQ(get("/v1/baseline/inbox"), Route{BaselineRoute{}});
  EXPECT_EQ(get("/v1/baseline/threads/7"), (Route{BaselineRoute{core::ThreadId{7}}}));
  EXPECT_EQ(get("/v1/baseline/threads/x").error(), errc::bad_query);
  EXPECT_EQ(get("/v1/baseline/threads/").error(), errc::no_route);
  EXPECT_EQ(get("/v1/baseline/threads/1/2").error(), errc::no_route);
  EXPECT_EQ(parse_route("POST", "/v1/baseline/inbox", kLimits).error(), errc::method_not_allowed);
  EXPECT_TRUE(needs_token(BaselineRoute{}));
}

TEST(HttpRoute, HealthAndMetricsNeedNoToken) {
  EXPECT_EQ(get("/healthz"), Route{HealthRoute{}});
  EXPECT_EQ(get("/metrics"), Route{MetricsRoute{}});
  EXPECT_FALSE(needs_token(HealthRoute{}));
  EXPECT_FALSE(needs_token(MetricsRoute{}));
  EXPECT_TRUE(needs_token(SnapshotRoute{}));
  EXPECT_TRUE(needs_token(ThreadMessagesRoute{}));
  EXPECT_TRUE(needs_token(CreateThreadRoute{}));
}

TEST(HttpRoute, DefaultsComeFromTheLimits) {
  RouteLimits limits;
  limits.snapshot_messages = 7;
  limits.page_messages = 9;
  EXPECT_EQ(parse_route("GET", "/v1/snapshot", limits), Route{SnapshotRoute{7}});
  EXPECT_EQ(parse_route("GET", "/v1/threads/1/messages", limits),
            (Route{ThreadMessagesRoute{core::ThreadId{1}, std::nullopt, 9}}));
}

}  // namespace
}  // namespace iris::net

namespace iris::net {
namespace {

TEST(HttpRoute, PollNeedsEpochAndSeqAndBoundsItsTimeout) {
  RouteLimits limits;
  auto r = parse_route("GET", "/v1/poll?epoch=9&seq=3", limits);
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<PollRoute>(*r), (PollRoute{core::Epoch{9}, core::Seq{3}, 0, limits.poll_timeout_ms}));
  r = parse_route("GET", "/v1/poll?epoch=9&seq=3&max_updates=1000&timeout_ms=500", limits);
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<PollRoute>(*r), (PollRoute{core::Epoch{9}, core::Seq{3}, 1000, 500}));
  for (const char* bad : {"/v1/poll", "/v1/poll?epoch=9", "/v1/poll?seq=1", "/v1/poll?epoch=-1&seq=1",
                          "/v1/poll?epoch=1&seq=01", "/v1/poll?epoch=1&seq=1&timeout_ms=60001",
                          "/v1/poll?epoch=1&seq=1&max_updates=2147483648"}) {
    EXPECT_EQ(parse_route("GET", bad, limits).error(), make_error_code(errc::bad_query)) << bad;
  }
  EXPECT_EQ(parse_route("POST", "/v1/poll?epoch=1&seq=1", limits).error(), make_error_code(errc::method_not_allowed));
  EXPECT_TRUE(needs_token(*parse_route("GET", "/v1/poll?epoch=1&seq=1", limits)));
}

TEST(HttpRoute, RequestsTakeOnlyPost) {
  RouteLimits limits;
  EXPECT_TRUE(std::holds_alternative<RequestRoute>(*parse_route("POST", "/v1/requests", limits)));
  EXPECT_EQ(parse_route("GET", "/v1/requests", limits).error(), make_error_code(errc::method_not_allowed));
}

TEST(HttpRoute, AppFilesNeedNoTokenAndKeepTheirPath) {
  RouteLimits limits;
  auto r = parse_route("GET", "/app/vendor/mqtt.min.js?v=1", limits);
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<AppRoute>(*r).file, "vendor/mqtt.min.js");
  EXPECT_FALSE(needs_token(*r));
  EXPECT_EQ(std::get<AppRoute>(*parse_route("GET", "/app/", limits)).file, "");
  EXPECT_EQ(std::get<AppRoute>(*parse_route("GET", "/app", limits)).file, "");
  EXPECT_EQ(parse_route("POST", "/app/x", limits).error(), make_error_code(errc::method_not_allowed));
  EXPECT_EQ(parse_route("GET", "/apps", limits).error(), make_error_code(errc::no_route));
}

}  // namespace
}  // namespace iris::net

namespace iris::net {
namespace {

TEST(HttpRoute, RouteLookupIsAGetThatNeedsAToken) {
  EXPECT_EQ(get("/v1/route"), Route{UserRouteRoute{}});
  EXPECT_EQ(get("/v1/route?user=5"), Route{UserRouteRoute{}});  // the token names the user; others ignored
  EXPECT_EQ(parse_route("POST", "/v1/route", kLimits).error(), errc::method_not_allowed);
  EXPECT_TRUE(needs_token(Route{UserRouteRoute{}}));
}

}  // namespace
}  // namespace iris::net
