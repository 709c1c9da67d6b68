#pragma once
// MqttOptions: every limit of the MQTT broker state machine, parsed once by apps/ from the
// config and passed down by const&. Each field: meaning, unit, default, trade-off.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mqtt/reason_code.h"

namespace iris::mqtt {

struct MqttOptions {
  // Largest packet a client may send, fixed header included, in bytes (MQTT 5.0
  // §3.1.2.11.4). Checked from the fixed header before the body is buffered; larger packets
  // close the connection (5.0: DISCONNECT 0x95). Announced to 5.0 clients in CONNACK.
  // Default 256 KiB: room for a large delta batch; a client can pin this much memory.
  std::uint32_t max_packet_size = 256 * 1024;

  // Largest packet a client may send before its CONNECT is accepted (the CONNECT itself, will
  // included), in bytes; the effective limit is min(this, max_packet_size). Checked like
  // max_packet_size, from the fixed header, before the body is buffered; a larger CONNECT
  // closes the connection without a CONNACK (its protocol level is in the part never read). Default 64 KiB: an Iris CONNECT is a few hundred bytes, and this is
  // what one unauthenticated socket can make the server hold (the socket layer bounds how
  // many there are: NetOptions::max_preauth_connections).
  std::uint32_t max_connect_packet_size = 64 * 1024;

  // Receive Maximum we announce (MQTT 5.0 §3.2.2.3.3): QoS 2 PUBLISHes a client may have
  // unacknowledged towards us (QoS 1 is acknowledged at once). More is a protocol error
  // (DISCONNECT 0x93). Default 64: bounds per-connection state for incomplete QoS 2 flows.
  std::uint16_t receive_maximum = 64;

  // Outbound in-flight window: QoS 1/2 messages sent to one client and not yet
  // acknowledged. The effective window is min(this, the client's Receive Maximum).
  // Default 64: larger windows raise throughput on high-latency links and the memory held
  // per slow client; Mosquitto's default is 20.
  std::uint16_t max_inflight_messages = 64;

  // Messages queued per session beyond the in-flight window (offline persistent sessions,
  // or a full window). Further QoS 1/2 messages to that session are dropped: counted
  // (messages_dropped) and logged per session, at most one line per session a minute
  // ("offline queue full ... dropped N"). Default 1000: what an offline device can
  // catch up on reconnection; Iris devices get their deltas from the sync service's durable
  // queue instead, so this bounds only generic MQTT subscriptions.
  std::size_t max_queued_messages = 1000;

  // Open connections the broker accepts; a CONNECT beyond this gets CONNACK "server busy"
  // (3.1.1: "server unavailable"). Default 100000.
  std::size_t max_connections = 100'000;

  // Subscriptions per session; more are refused in SUBACK with "quota exceeded" (3.1.1:
  // 0x80). Default 100: Iris clients need a handful; bounds the trie per client.
  std::size_t max_subscriptions_per_client = 100;

  // Longest client identifier accepted, in bytes. Default 256 (the spec only guarantees 23).
  std::size_t max_client_id_length = 256;

  // Upper bound on the keep-alive, in seconds; a connection silent for 1.5 times its
  // keep-alive is closed (MQTT-3.1.2-22; 5.0: DISCONNECT 0x8D). When a client asks for more,
  // or for 0 (none), this value is used instead: a 5.0 client is told so in CONNACK's Server
  // Keep Alive (MQTT 5.0 §3.2.2.3.14); a 3.1.1 client cannot be told (§3.1.2.10), so one that
  // asked for 0 or more is closed after 1.5 times this of silence and has to reconnect.
  // 0 = no bound (a client asking 0 is never closed for silence). Default 300 s: what mobile
  // clients use; a dead client costs its slot for at most 7.5 minutes.
  std::uint16_t max_keep_alive = 300;

  // Time a connected client may take to send the rest of a packet once its first byte has
  // arrived, in seconds. Longer closes the connection as a keep-alive timeout (5.0:
  // DISCONNECT 0x8D): a client that stops mid-packet holds its buffer and slot for no more
  // than this, whatever its keep-alive. Default 60 s: a maximum-size packet (256 KiB) needs
  // about 35 kbit/s.
  std::chrono::seconds partial_packet_timeout{60};

  // Time a connection may take from being accepted to having its CONNECT accepted: TLS
  // handshake or WebSocket upgrade included (net/ measures it from accept). Default 10 s:
  // bounds the cost of sockets that never authenticate.
  std::chrono::seconds connect_timeout{10};

  // Longest session expiry, in seconds (MQTT 5.0 §3.1.2.11.2): caps what a 5.0 client asks
  // for, and is the expiry of 3.1.1 sessions with clean session 0. 0xFFFFFFFF never
  // expires. Default 7 days, the queue retention window (DESIGN.md).
  std::uint32_t max_session_expiry_interval = 7 * 24 * 3600;

  // Topic aliases accepted from a 5.0 client (Topic Alias Maximum in CONNACK, §3.2.2.3.8),
  // and the most this server assigns towards a client. Default 10; 0 disables aliases.
  std::uint16_t topic_alias_maximum = 10;

  // Retained messages (MQTT 5.0 §3.3.1.3) kept in total, and their bytes (topic + payload),
  // across every shard; and per user (all anonymous clients together count as one user).
  // A retained PUBLISH or Will that would pass a bound is not routed: 5.0 PUBACK/PUBREC 0x97
  // "quota exceeded"; 3.1.1 (no negative acknowledgement) drops it with a rate-limited log
  // line. Replacing or deleting a retained message is never refused unless it grows a bound.
  // Defaults: 10000 messages, 64 MiB in total; 100 messages, 1 MiB per user: the store is
  // memory only, and a general MQTT client needs a few retained topics, not thousands.
  std::size_t max_retained_messages = 10'000;
  std::size_t max_retained_bytes = 64 << 20;
  std::size_t max_retained_messages_per_user = 100;
  std::size_t max_retained_bytes_per_user = 1 << 20;

  // First topic levels that, like '$' topics (MQTT-4.7.2-1), no filter starting with a
  // wildcard matches: Iris's own u/<user>/... and t/<thread>/... spaces, reached only by a
  // filter that names them (and that the Authorizer allows). Not a config key: the
  // authorizer's rules depend on it.
  std::vector<std::string> wildcard_hidden_roots = {"u", "t"};

  // Topic filters refused at SUBSCRIBE with their own SUBACK reason code, before the
  // Authorizer is asked (config: mqtt.deny_subscribe = filter:0x87,...). An entry refuses
  // exactly that filter, wildcards included as written: `#` refuses `#`, not `a/#`; for a
  // shared subscription both "$share/<group>/<filter>" and its inner filter are compared.
  // 3.1.1 clients get 0x80 whatever the code. Default: none.
  struct DeniedFilter {
    std::string filter;
    ReasonCode reason = ReasonCode::not_authorized;
  };
  std::vector<DeniedFilter> deny_subscribe;

  // Accept CONNECTs without a user name (as an anonymous identity) without asking the
  // Authenticator. Default false: every Iris client authenticates with a token.
  bool allow_anonymous = false;
};

}  // namespace iris::mqtt
