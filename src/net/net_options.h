#pragma once
// NetOptions: the listeners and the per-connection limits of the network layer, parsed once by
// apps/ from the config and passed down by const&. MQTT protocol limits live in
// mqtt::MqttOptions; these are the ones only the socket layer can enforce.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace iris::net {

// Long polling (net/poll_hub.h, docs/PROTOCOL.md "Long polling").
struct PollOptions {
  // A poll's wait when it names none (`timeout_ms`), and the most it may ask. Defaults 25 s
  // (under the 30 s idle timeout of common proxies) and 60 s.
  std::chrono::milliseconds timeout{25'000};
  std::chrono::milliseconds max_timeout{60'000};
  // Poll devices (tokens' devices that poll) per user, and across the server. More are
  // refused 503 (too_many_polls) until one is dropped. Defaults 4 and 10,000.
  std::size_t max_per_user = 4;
  std::size_t max_total = 10'000;
  // A poll device that has not polled for this long past its last poll's timeout is dropped
  // (its stream ends as a disconnect does). Default 60 s.
  std::chrono::milliseconds idle{60'000};
  // Typing signals a user may send over HTTP (POST /v1/requests, an Envelope `typing`): per
  // second and at once. More are refused 429 rate_limited. Defaults 2 and 4.
  double typing_per_s = 2;
  double typing_burst = 4;
  // Typing signals a poll device keeps for its next poll (the newest per thread and typer;
  // older ones give way), and how long one stays worth showing. Defaults 8 and 5 s.
  std::size_t typing_pending = 8;
  std::chrono::milliseconds typing_fresh{5'000};
};

// The HTTP(S) API (docs/PROTOCOL.md "HTTP API"): snapshot, history pages, thread creation,
// requests, long polls, /healthz and /metrics, and the web app. Runs on the same shard
// threads as MQTT.
struct HttpOptions {
  // Plain HTTP port; nullopt disables it, 0 picks a free one. Default 8080.
  std::optional<std::uint16_t> port = 8080;
  // HTTPS port, with tls_cert_file/tls_key_file (the MQTT TLS listener's). Default 8443.
  std::optional<std::uint16_t> tls_port = 8443;
  // Largest request body (a CreateThreadRequest), as sent and once decoded (Content-Encoding:
  // gzip); larger is refused with 413, before it is read when Content-Length says so. The
  // WebSocket upgrade request is held to it too. Default 64 KiB: a full participant list is a
  // few KiB.
  std::size_t max_body_bytes = 64 * 1024;
  // Largest request line plus headers, on the HTTP port and the WebSocket upgrade; larger is
  // refused with 431. Default 8 KiB, what common proxies allow. At most kMaxFieldSectionBytes.
  std::size_t max_header_bytes = 8 * 1024;
  // Largest trailer section of a chunked request body (its fields are parsed and dropped);
  // larger is refused with 431. Default 4 KiB. At most kMaxFieldSectionBytes.
  std::size_t max_trailer_bytes = 4 * 1024;
  // Chunk extensions (`;name=value` after a chunk size), summed over one request; more is
  // refused with 413. They carry nothing the API reads, so the bound only keeps a client from
  // making the server scan them without end. Default 1 KiB. At most kMaxFieldSectionBytes.
  std::size_t max_chunk_extension_bytes = 1024;
  // The ceiling of the three limits above: Beast keeps a field's name and value offsets in
  // 16 bits, so no single field may come near 64 KiB (net/http_request_reader.h).
  static constexpr std::size_t kMaxFieldSectionBytes = 65'535;
  // Time a connection may sit idle between requests (keep-alive) or take to send one
  // request or read one response. Default 30 s.
  std::chrono::seconds idle_timeout{30};
  // Time the owner shard of the user has to answer; after it the request gets 503 with
  // Retry-After (a stuck or overloaded shard does not hold connections forever). Default 5 s.
  std::chrono::milliseconds shard_timeout{5000};
  // HTTP requests waiting for a shard's answer, across the server; more get 503 at once.
  // Default 10,000.
  std::size_t max_pending = 10'000;
  PollOptions poll;
  // The web app's files, served at /app/ (net/static_files.h); empty: no /app/ route
  // (404). irisd's default is the web/ folder installed next to its binary.
  std::string app_dir;
  // Largest file served from app_dir; a larger one is 404 (and logged). Default 4 MiB.
  std::size_t max_app_file_bytes = 4 * 1024 * 1024;
  // Origins ("https://app.example.com", net/cors.h) whose pages may call /v1/* across
  // origins: their requests' answers name them in Access-Control-Allow-Origin and their
  // preflights are answered. Default empty: no CORS headers at all.
  std::vector<std::string> cors_origins{};
};

struct NetOptions {
  // Address every listener binds. Default 0.0.0.0 (all IPv4 interfaces): what users expect
  // of a server; set 127.0.0.1 to keep it local, or :: for IPv6 (dual-stack on Linux).
  std::string bind = "0.0.0.0";

  // Ports. nullopt disables that listener; 0 lets the kernel pick a free one (tests), and
  // the bound port is reported by MqttServer::start().
  std::optional<std::uint16_t> mqtt_port = 1883;  // MQTT over TCP
  std::optional<std::uint16_t> tls_port = 8883;   // MQTT over TLS; needs the two files below
  std::optional<std::uint16_t> ws_port = 8083;    // MQTT over WebSocket (subprotocol "mqtt")

  // PEM certificate chain and private key of the TLS listener. The TLS listener runs only
  // when both are set.
  std::string tls_cert_file;
  std::string tls_key_file;
  // How long a TLS session may be resumed (TLS 1.3 session tickets: a returning client skips
  // the certificate and its signature, over half of a handshake's bytes on a phone that
  // reconnects many times a day). Sessions live in the process (in its cache, or sealed with
  // a key it holds), so a restart means one full handshake per client. 0 disables
  // resumption. Default 24 h (RFC 8446 allows up to 7 days).
  std::chrono::seconds tls_session_lifetime{24 * 3600};
  // TLS sessions kept in memory for resumption (net/detail/tls_session.h): a returning client
  // then sends a 32-byte session id instead of a ~230-byte sealed session, and receives one
  // too, ~350 bytes less per reconnect, for ~1.1 KB of memory per session. 0 = stateless
  // tickets (nothing kept per client). Default 100,000, the default connection limit.
  std::size_t tls_session_cache = 100'000;

  // Shards: event-loop threads, each owning one MQTT broker and the client ids that hash to
  // it. 0 = one per core. More threads than cores only adds context switches.
  unsigned threads = 0;

  // Open connections across all listeners; further accepts are closed at once (before any
  // byte is read). Default 100000; the process's open-file limit is the real ceiling.
  std::size_t max_connections = 100'000;

  // Pre-auth connections: accepted sockets (MQTT over TCP, TLS, WebSocket, and HTTP(S)) that
  // have not authenticated yet. MQTT authenticates when its CONNECT is accepted; HTTP when a
  // request carries a valid bearer token (a connection that only asks /healthz or /metrics
  // stays pre-auth until it closes; http.idle_timeout bounds each of its waits). A socket
  // beyond either limit is closed at accept, before any byte is read, with a log line (at
  // most a few a second per server). 0 = no limit.
  //  - max_preauth_connections, across the server. Default 1024: with
  //    mqtt.max_connect_packet_size (64 KiB) it bounds what unauthenticated peers can make
  //    the server buffer to about 128 MiB (a buffer may hold twice what it was sent while it
  //    grows), and a reconnect storm still gets ~1,000 handshakes in flight.
  //  - max_preauth_per_source, per source address (an IPv6 /64 counts as one source). Default
  //    64: one host cannot take the budget from the others; clients behind one carrier NAT
  //    share it only for the time a handshake takes.
  std::size_t max_preauth_connections = 1024;
  std::size_t max_preauth_per_source = 64;

  // Bytes waiting to be written to one connection. A client that reads slower than it is sent
  // to is closed ("slow consumer") when this is exceeded, instead of growing memory without
  // bound. Default 4 MiB: several maximum-size packets, or thousands of small ones.
  std::size_t max_write_queue_bytes = 4 * 1024 * 1024;

  // Time a TLS handshake or WebSocket upgrade may take (HTTPS too). For MQTT the connect
  // timeout (mqtt.connect_timeout) runs from accept as well and ends the connection first
  // when it is shorter: a handshake never adds to it. Default 10 s.
  std::chrono::seconds handshake_timeout{10};

  HttpOptions http;
};

}  // namespace iris::net
