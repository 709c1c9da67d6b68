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
  // or a full window). Further QoS 1/2 messages are dropped and counted. Default 1000.
  std::size_t max_queued_messages = 1000;

  // Open connections the broker accepts; a CONNECT beyond this gets CONNACK "server busy"
  // (3.1.1: "server unavailable"). Default 100000.
  std::size_t max_connections = 100'000;

  // Subscriptions per session; more are refused in SUBACK with "quota exceeded" (3.1.1:
  // 0x80). Default 100: Iris clients need a handful; bounds the trie per client.
  std::size_t max_subscriptions_per_client = 100;

  // Longest client identifier accepted, in bytes. Default 256 (the spec only guarantees 23).
  std::size_t max_client_id_length = 256;

  // Upper bound on the keep-alive, in seconds. 0 accepts whatever the client asks. When a
  // 5.0 client asks for more (or for 0), CONNACK's Server Keep Alive imposes this value
  // (MQTT 5.0 §3.2.2.3.14); 3.1.1 clients cannot be told, so theirs is kept. Default 0.
  std::uint16_t max_keep_alive = 0;

  // Time a connection may take to send CONNECT after it opens. Default 10 s: bounds the
  // cost of idle sockets that never speak.
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
