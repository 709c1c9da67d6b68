#pragma once
// Errors of the network layer: authentication, listeners, TLS setup, HTTP requests.
// net/http_status.h maps each to an HTTP status.

#include <system_error>

namespace iris::net {

enum class errc {
  // A token that does not parse or whose MAC does not match the server's secret.
  bad_token = 1,
  // A well-formed token past its expiry time.
  token_expired,
  // The token is valid but names another user or device than the connection claims.
  token_mismatch,
  // A listener could not bind or listen (address in use, permission).
  listen_failed,
  // The TLS certificate or key could not be loaded.
  tls_setup_failed,
  // An HTTP request without an `Authorization: Bearer <token>` header.
  missing_token,
  // An HTTP request for a path the server does not serve.
  no_route,
  // An HTTP request with a method its path does not take (e.g. POST /v1/snapshot).
  method_not_allowed,
  // An HTTP query parameter or path id that does not parse, or is out of range.
  bad_query,
  // An HTTP request body over http.max_body_bytes, as sent or once decoded (a gzip body that
  // inflates past it), or a WebSocket upgrade request's body over the same limit.
  body_too_large,
  // An HTTP request body whose Content-Type is neither Thrift compact nor JSON.
  unsupported_media_type,
  // The owner shard of the user did not answer within http.shard_timeout (stuck or
  // overloaded), or too many HTTP requests are already waiting for shards.
  shard_busy,
  // An HTTP request line plus headers over http.max_header_bytes, one field too large for the
  // parser to hold, or a chunked body's trailer section over http.max_trailer_bytes.
  header_too_large,
  // A chunked body whose chunk extensions, summed over the request, exceed
  // http.max_chunk_extension_bytes.
  chunk_extensions_too_large,
  // An HTTP request that does not parse (request line, fields, chunk framing), or whose
  // Transfer-Encoding does not end in chunked (RFC 9112 §6.3: its length is unknowable).
  malformed_request,
  // A Transfer-Encoding other than chunked (RFC 9112 §6.1).
  unsupported_transfer_encoding,
  // A Content-Encoding other than gzip (or x-gzip) and identity.
  unsupported_content_encoding,
  // A body that does not decode as its Content-Encoding says (a corrupt or truncated gzip).
  bad_content_encoding,
  // A request on the WebSocket port that is not a WebSocket upgrade (RFC 6455 §4.2.1).
  not_an_upgrade,
  // A long poll over http.poll.max_held_per_user or http.poll.max_held (docs/PROTOCOL.md
  // "Long polling"): retry after a second.
  too_many_polls,
  // GET /v1/route on a server that is not in a cell (no discovery to answer from).
  no_discovery,
  // GET /v1/route while the directory knows no live server for the user's cell: retry.
  route_unknown,
  // In a cell: the server that owns the request's user could not be reached or did not answer
  // in time, no server owns the user now (the ring is changing), or too many requests are
  // already proxied (docs/CLUSTER.md "HTTP requests"): retry after a second.
  owner_unavailable,
  // In a cell: the owner's answer to a proxied request was larger than
  // cluster.http_proxy_max_answer_bytes, or did not parse as HTTP.
  bad_owner_answer,
  // GET /v1/admin/cells by a user not in cluster.admin_users.
  not_admin,
  // GET /v1/admin/cells before the first deployment report is made: retry.
  report_pending,
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

}  // namespace iris::net

template <>
struct std::is_error_code_enum<iris::net::errc> : std::true_type {};
