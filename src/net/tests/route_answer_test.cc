#include <gtest/gtest.h>

#include "net/detail/http_answer.h"
#include "net/errc.h"

namespace iris::net::detail {
namespace {

CellRoutingOptions with_route(std::optional<UserRoute> route) {
  CellRoutingOptions o;
  o.route_lookup = [route](core::UserId) { return route; };
  return o;
}

TEST(RouteAnswerTest, NamesTheOwnersWebSocketAddressWhenItHasOne) {
  const auto o = with_route(UserRoute{"c1", "irisd-2", "127.0.0.1:1884", "127.0.0.1:8081", "127.0.0.1:8083", false});
  const auto a = route_answer(Encoding::json, &o, core::UserId{42});
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(a.body,
            R"({"user":"42","cell":"c1","server":"irisd-2","mqtt":"127.0.0.1:1884","http":"127.0.0.1:8081",)"
            R"("ws":"127.0.0.1:8083","overridden":false})");
}

TEST(RouteAnswerTest, OwnerWithoutWebSocketListenerHasAnEmptyWs) {
  const auto o = with_route(UserRoute{"c2", "irisd-1", "127.0.0.1:1883", "", "", true});
  const auto a = route_answer(Encoding::json, &o, core::UserId{7});
  EXPECT_EQ(a.status, 200u);
  EXPECT_NE(a.body.find(R"("http":"","ws":"","overridden":true)"), std::string::npos) << a.body;
}

TEST(RouteAnswerTest, NoDiscoveryIs404AndUnknownOwnerIs503) {
  EXPECT_EQ(route_answer(Encoding::json, nullptr, core::UserId{1}).status, 404u);
  const auto o = with_route(std::nullopt);
  const auto a = route_answer(Encoding::json, &o, core::UserId{1});
  EXPECT_EQ(a.status, 503u);
}

}  // namespace
}  // namespace iris::net::detail
