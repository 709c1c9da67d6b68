#pragma once
// ApiRequest: what the HTTP API makes of one parsed request before any shard is asked: the
// encodings of the answer, the route, the bearer token's user and a POST's decoded body.
// Pure (the signer and the time come in), so the session (net/http_session.cc) and the
// libFuzzer target (net/fuzz/http_fuzz.cc) run the same code.

#include <chrono>

#include "base/result.h"
#include "core/ids.h"
#include "net/errc.h"
#include "net/http_request_reader.h"
#include "net/http_route.h"
#include "net/token.h"
#include "wire/messages.h"

namespace iris::net {

struct ApiRequest {
  bool json = false;        // Accept lists application/json: answer in JSON, else compact
  bool gzip = false;        // Accept-Encoding admits gzip
  bool keep_alive = false;
  unsigned version = 11;
  Result<Route> route = fail(errc::no_route);
  // The token's user; set (or its error) only for routes that need a token.
  Result<core::UserId> user = core::UserId{0};
  // The token's device (its MQTT client id), set with `user`: a long poll streams to it.
  std::string device;
  // POST /v1/threads and /v1/requests: the decoded Envelope (or why it is refused).
  Result<wire::Message> body = wire::Message{};
};

// The Accept of `req` lists application/json (also for a refusal once the header parsed).
bool wants_json(const HttpRequest& req);

// `signer` null: every token is refused (the server carries no HTTP API secret).
ApiRequest read_api_request(const HttpRequest& req, const RouteLimits& limits,
                            const TokenSigner* signer, std::chrono::sys_seconds now);

}  // namespace iris::net
