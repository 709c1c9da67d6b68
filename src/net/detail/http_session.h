#pragma once
// The HTTP(S) API's connections (docs/PROTOCOL.md "HTTP API"; implementation in
// net/http_session.cc). A session lives on the shard that accepted it, reads one request at
// a time (keep-alive, no pipelining), and asks the owner shard of the token's user for the
// answer, which comes back to the session's shard by a post. /healthz and /metrics ask every
// shard. A shard that does not answer within HttpOptions::shard_timeout gets the request a
// 503 with Retry-After; its late answer is dropped.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "net/detail/server_core.h"

namespace iris::net::detail {

// Starts a session on `shard` (this thread) for an accepted socket; over TLS when `tls` is
// set (which must outlive the session: ServerCore owns it). The session holds `preauth` (its
// pre-auth slot, NetOptions::max_preauth_connections) until a request carries a valid bearer
// token; one that never does (/healthz, /metrics) holds it until it closes.
void start_http_session(Shard& shard, asio::ip::tcp::socket socket, asio::ssl::context* tls,
                        PreauthTicket preauth);

}  // namespace iris::net::detail
