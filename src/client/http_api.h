#pragma once
// HttpApi: the device's HTTP calls to irisd (docs/PROTOCOL.md, HTTP API): the snapshot
// (`GET /v1/snapshot?messages=N`), creating a thread (`POST /v1/threads`). Every body is
// one wire Envelope in Thrift compact; the bearer token is the device token.
//
// Blocking: each call runs on a private io_context on the caller's thread and is bounded
// by `timeout` as a whole. Client calls it from its own thread with the MQTT connection
// closed (a snapshot replaces local state; nothing else may run meanwhile).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "wire/messages.h"

namespace iris::client {

struct HttpEndpoint {
  std::string host;
  std::uint16_t port = 8080;
  bool tls = false;
  // TLS: verify the server's certificate against ca_file (or the system's CAs when empty).
  bool verify = true;
  std::string ca_file;
};

class HttpApi {
 public:
  HttpApi(HttpEndpoint endpoint, std::string token, std::chrono::milliseconds timeout)
      : endpoint_(std::move(endpoint)), token_(std::move(token)), timeout_(timeout) {}

  // The inbox with the `messages` latest messages of each thread.
  Result<wire::Snapshot> snapshot(std::size_t messages) const;
  // Creates a thread; the SendResult names it.
  Result<wire::SendResult> create_thread(const wire::CreateThreadRequest& request) const;

  // One request: `body` (an encoded Envelope or empty) to `target`; the decoded Envelope of
  // a 2xx answer, or the errc for the status (401/403 bad_token, 404 unknown_thread, 503
  // unavailable, an Error body's code when there is one).
  Result<wire::Message> call(const std::string& method, const std::string& target,
                             const std::string& body) const;

  // A form-encoded POST (application/x-www-form-urlencoded `form`, e.g. number verification,
  // docs/PROTOCOL.md "SMS number verification"): the JSON body of a 2xx answer; else the errc
  // of the Error it carries (400/403/404 refused, 429/503 unavailable, 401 bad_token), its
  // text in `why` when there is one.
  Result<std::string> post_form(const std::string& target, const std::string& form, std::string* why) const;

  // Where the token's user lives (GET /v1/route, docs/CLUSTER.md "Discovery"): the owning
  // server's MQTT address, "host:port". errc::unavailable when the deployment has no
  // discovery (404) or no live owner, errc::protocol when the answer names no address.
  Result<std::string> route_mqtt() const;

 private:
  struct Answer {
    unsigned status = 0;
    std::string body;
  };
  // The request sent and its answer read, within `timeout_` for each step.
  Result<Answer> roundtrip(const std::string& method, const std::string& target, const std::string& body,
                           const char* accept,
                           const char* content_type = "application/vnd.iris.thrift-compact") const;

  HttpEndpoint endpoint_;
  std::string token_;
  std::chrono::milliseconds timeout_;
};

// The client errc for a wire ErrorCode: the one mapping of server refusals.
std::error_code to_error(wire::ErrorCode code);

// The string value of `key` in a flat JSON object (no escapes in the value, as the route's
// addresses have none); nullopt when absent or not a plain string. Pure.
std::optional<std::string> json_string_field(std::string_view json, std::string_view key);

}  // namespace iris::client
