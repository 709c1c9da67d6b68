#pragma once
// The HTTP API's routes (docs/PROTOCOL.md "HTTP API"): a request's method and target in,
// the route and its parsed parameters out, or the error that decides the status. Pure: no
// sockets, no Beast; net/detail/http_session.h feeds it.
//
//   GET  /v1/snapshot[?messages=N]                               SnapshotRoute
//   GET  /v1/threads/{thread}/messages[?before=ID][&limit=N]     ThreadMessagesRoute
//   POST /v1/threads                                             CreateThreadRoute
//   POST /v1/requests                                            RequestRoute (any request
//        a device sends on u/<user>/sync but a resume: for clients without MQTT)
//   GET  /v1/poll?epoch=E&seq=S[&max_updates=N][&timeout_ms=T]   PollRoute (long polling)
//   GET  /app/, /app/<file>                                      AppRoute (the web app)
//   GET  /v1/badge                                               BadgeRoute
//   GET  /v1/route                                               UserRouteRoute (discovery:
//        the caller's cell and owner server, answered by any server of any cell)
//   GET  /v1/admin/cells                                         AdminCellsRoute (the
//        deployment report, for cluster.admin_users)
//   GET  /v1/contacts                                            ContactsRoute (contacts,
//        blocked users, group-add setting: wire::ContactList)
//   GET  /v1/baseline/inbox, /v1/baseline/threads/{thread}       BaselineRoute (the bandwidth
//        benchmark's legacy pull baseline, sync/baseline_view.h: not part of the protocol)
//   POST /v1/blobs                                               BlobUploadRoute
//   GET  /v1/blobs/{blob}                                        BlobDownloadRoute (64
//        lowercase hex digits, core::BlobId; anything else under /v1/blobs/ is no_route)
//   POST /v1/sms/numbers                                         SmsNumberRoute (a code
//        texted to the form's `number`), /v1/sms/numbers/verify (`number` and `code`)
//   GET  /healthz                                                HealthRoute
//   GET  /metrics                                                MetricsRoute
//
// Ids are canonical decimals (core::parse_id: no sign, no leading zero, at most 2^64-1), the same spelling
// the topics use. Unknown query parameters are ignored (a newer client may send more); a
// repeated or empty one is bad_query. `messages` may be 0..max, `limit` 1..max.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/result.h"
#include "core/attachment.h"
#include "core/ids.h"

namespace iris::net {

struct RouteLimits {
  // Messages per thread in a snapshot when the request names none (sync.snapshot_latest)
  // and the most it may ask for.
  std::size_t snapshot_messages = 20;
  std::size_t max_snapshot_messages = 200;
  // Messages per history page when the request names none, and the most it may ask for.
  std::size_t page_messages = 50;
  std::size_t max_page_messages = 200;
  // A long poll's wait when the request names none, and the most it may ask for
  // (http.poll.timeout_ms, http.poll.max_timeout_ms).
  std::uint64_t poll_timeout_ms = 25'000;
  std::uint64_t max_poll_timeout_ms = 60'000;
};

struct SnapshotRoute {
  std::size_t messages = 0;
  bool operator==(const SnapshotRoute&) const = default;
};
struct ThreadMessagesRoute {
  core::ThreadId thread;
  std::optional<core::MessageId> before;
  std::size_t limit = 0;
  bool operator==(const ThreadMessagesRoute&) const = default;
};
struct CreateThreadRoute {
  bool operator==(const CreateThreadRoute&) const = default;
};
struct RequestRoute {
  bool operator==(const RequestRoute&) const = default;
};
// GET /v1/poll: the deltas after (epoch, seq), which also acknowledges everything up to seq.
struct PollRoute {
  core::Epoch epoch;
  core::Seq seq;
  std::uint32_t max_updates = 0;  // 0: any backlog (ResumeRequest.max_updates)
  std::uint64_t timeout_ms = 0;
  bool operator==(const PollRoute&) const = default;
};
// GET /app/...: `file` is the path below /app/ ("" for the app's index), not yet checked
// (static_files.h resolves it).
struct AppRoute {
  std::string file;
  bool operator==(const AppRoute&) const = default;
};
struct BaselineRoute {
  std::optional<core::ThreadId> thread;  // none: the whole inbox view
  bool operator==(const BaselineRoute&) const = default;
};
struct BadgeRoute {
  bool operator==(const BadgeRoute&) const = default;
};
struct UserRouteRoute {
  bool operator==(const UserRouteRoute&) const = default;
};
struct AdminCellsRoute {
  bool operator==(const AdminCellsRoute&) const = default;
};
struct ContactsRoute {
  bool operator==(const ContactsRoute&) const = default;
};
struct BlobUploadRoute {
  bool operator==(const BlobUploadRoute&) const = default;
};
struct BlobDownloadRoute {
  core::BlobId blob;
  bool operator==(const BlobDownloadRoute&) const = default;
};
// POST /v1/sms/numbers[/verify] (net/sms_verifier.h): the body is form-encoded.
struct SmsNumberRoute {
  bool verify = false;  // /verify: confirm a code; else ask for one
  bool operator==(const SmsNumberRoute&) const = default;
};
struct HealthRoute {
  bool operator==(const HealthRoute&) const = default;
};
struct MetricsRoute {
  bool operator==(const MetricsRoute&) const = default;
};
using Route = std::variant<SnapshotRoute, ThreadMessagesRoute, CreateThreadRoute, BaselineRoute,
                           HealthRoute, MetricsRoute, RequestRoute, PollRoute, AppRoute,
                           BadgeRoute, UserRouteRoute, AdminCellsRoute,
                           BlobUploadRoute, BlobDownloadRoute, ContactsRoute, SmsNumberRoute>;

// Whether a route's caller must present a bearer token (health, metrics and the web app's
// files need none).
bool needs_token(const Route& route);

// Whether `target` (query included) names POST /v1/blobs: the one request whose body is
// streamed (net/http_request_reader.h BodySink), decided at the request line.
bool is_blob_upload(std::string_view method, std::string_view target);

// `method` as on the request line ("GET"); `target` the request target ("/v1/snapshot?x=1").
// net::errc::no_route (404), method_not_allowed (405) or bad_query (400).
Result<Route> parse_route(std::string_view method, std::string_view target,
                          const RouteLimits& limits);

}  // namespace iris::net
