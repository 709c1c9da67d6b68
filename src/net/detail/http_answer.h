#pragma once
// What an HTTP API request is answered with (net/http_session.cc), and the answers that need
// no session state: the web app's files and a long poll's, made on the owner shard.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "core/ids.h"
#include "net/cell_routing.h"
#include "net/http_route.h"
#include "net/http_status.h"
#include "net/metrics_page.h"
#include "net/net_options.h"
#include "net/poll_hub.h"
#include "wire/messages.h"

namespace iris::net {
class SmsVerifier;
}  // namespace iris::net

namespace iris::net::detail {

inline constexpr std::string_view kCompactType = "application/vnd.iris.thrift-compact";
inline constexpr std::string_view kJsonType = "application/json";

enum class Encoding { compact, json };

// A response as the shard that computed it left it: status and encoded body.
struct Answer {
  unsigned status = 200;
  std::string body;
  std::string_view content_type;  // a constant; see content_type_text for one read off a peer
  bool retry_after = false;
  std::uint32_t retry_after_s = 1;  // the Retry-After value when retry_after is set
  std::string location{};           // a redirect's Location
  std::string content_range{};      // a 416's "bytes */size"
  bool proceed = false;             // not an answer: a download's authorization (200 = yes)
  bool gzipped = false;             // the body is gzip'd already (a precompressed app file)
  std::string content_type_text{};  // when set, the Content-Type (an owner's answer, proxied)
};
using Deliver = std::function<void(Answer)>;

Answer envelope(Encoding e, unsigned status, const wire::Message& m, bool retry_after = false);
Answer error_answer(Encoding e, const HttpError& h, std::string text,
                    std::optional<core::ClientMsgId> client_id = std::nullopt);
Answer error_answer(Encoding e, std::error_code ec);
Answer text_answer(unsigned status, std::string body, bool retry_after = false);

// GET /v1/route for `user` (docs/PROTOCOL.md "Discovery"): 200 with a JSON object, 404
// no_discovery when this server is in no cell, 503 route_unknown while no owner is known.
Answer route_answer(Encoding e, const CellRoutingOptions* cell, core::UserId user);
// GET /v1/admin/cells by `user`: 200 with the latest report (JSON), 404 outside a cell, 403
// for a user not in cluster.admin_users, 503 before the first report.
Answer admin_answer(Encoding e, const CellRoutingOptions* cell, core::UserId user);

// POST /v1/sms/numbers[/verify] by `user` (docs/PROTOCOL.md "SMS number verification"), the
// form `body` read (number, code): 202 with {"number","expires_in_s"} when a code is on its
// way, 200 with {"number","verified":true} once confirmed, else the sms::errc's status; 404
// when `verifier` is null (verification off). Runs on the session's shard (http_sms_numbers.cc).
Answer sms_numbers_answer(Encoding e, SmsVerifier* verifier, core::UserId user, const SmsNumberRoute& route,
                          std::string_view body);

// What /app/config.json tells the web app about this server: where MQTT over WebSocket
// listens; the largest attachment the blob store takes (0: none), so the app refuses a larger
// file before uploading it; sync.edit_window in ms (0: edits and unsends off), so it offers
// Edit and Unsend only while the server would take them.
struct AppConfig {
  std::uint16_t ws_port = 0;
  std::uint64_t max_blob_bytes = 0;
  std::int64_t edit_window_ms = 0;
};
class ServerCore;
AppConfig app_config(const ServerCore& core);

// GET /metrics once every shard's sample is in `page`: the server-wide counters added, rendered.
Answer metrics_answer(ServerCore& core, MetricsPage& page);

// GET /app/... (`target` the request's, `file` its AppRoute's): a file of options.app_dir,
// /app/config.json (`config` as JSON), or /app -> /app/. With `accept_gzip`, a file that has
// a `<name>.gz` beside it (the build makes one for the MQTT.js bundle) is answered with that,
// gzipped: compressing 340 KB on every cold start cost the server more than the transfer.
Answer app_answer(const HttpOptions& options, const AppConfig& config, bool accept_gzip,
                  std::string_view target, const std::string& file);

// Runs a long poll on the owner shard's `hub`; `deliver` gets its answer (200 with one
// Envelope, 204 when superseded, or an error) now or when the hub has one.
void poll_on_owner(PollHub& hub, core::UserId user, const std::string& device, Encoding enc,
                   const PollRoute& r, std::uint64_t ticket, const Deliver& deliver);

}  // namespace iris::net::detail
