#pragma once
// Errors of the MQTT part: what the codec finds wrong with bytes, and what the broker finds
// wrong with a session. Each maps to exactly one MQTT 5.0 reason code in `to_reason_code`
// (reason_code.h), the one place that does so.

#include <system_error>

namespace iris::mqtt {

enum class errc {
  // --- malformed packets (MQTT 5.0 §4.13: DISCONNECT 0x81) ---
  // The remaining length or another variable byte integer has a fifth byte, or is not
  // encoded in the minimum number of bytes (MQTT 5.0 §1.5.5, MQTT-1.5.5-1).
  malformed_variable_integer = 1,
  // Packet type 0 or 15, or AUTH on a 3.1.1 connection (MQTT 3.1.1 §2.2.1, 5.0 §2.1.2).
  invalid_packet_type,
  // Reserved fixed-header flag bits are not the values the spec mandates (MQTT 5.0 §2.1.3).
  invalid_fixed_header_flags,
  // A field runs past the end of the packet (the remaining length says less than the fields).
  truncated_packet,
  // Bytes are left over after the last field of a packet that has no payload to absorb them.
  trailing_bytes,
  // A string is not well-formed UTF-8, holds U+0000 or a surrogate (MQTT 5.0 §1.5.4).
  invalid_utf8,
  // CONNECT's protocol name is not "MQTT" (MQTT 5.0 §3.1.2.1).
  invalid_protocol_name,
  // CONNECT flags break a rule: reserved bit set, will QoS/retain without will, password
  // without user name on 3.1.1 (MQTT 5.0 §3.1.2.3, MQTT-3.1.2-3, 3.1.1 MQTT-3.1.2-22).
  invalid_connect_flags,
  // A QoS of 3 in PUBLISH flags, will QoS or subscription options (MQTT 5.0 §3.3.1.2).
  invalid_qos,
  // A packet identifier of 0 where one is required (MQTT 5.0 §2.2.1, MQTT-2.2.1-3).
  invalid_packet_id,
  // A topic name is empty or holds a wildcard (MQTT 5.0 §4.7.3, MQTT-3.3.2-2).
  invalid_topic_name,
  // A topic filter is empty or misuses '+' or '#' (MQTT 5.0 §4.7.1).
  invalid_topic_filter,
  // A property is unknown, not allowed in this packet, repeated, or has a value the spec
  // forbids (MQTT 5.0 §2.2.2.2).
  invalid_property,
  // A reason code that this packet type cannot carry (MQTT 5.0 §2.4).
  invalid_reason_code,
  // Reserved subscription option bits set or retain handling 3 (MQTT 5.0 §3.8.3.1).
  invalid_subscription_options,
  // SUBSCRIBE or UNSUBSCRIBE without a single filter (MQTT 5.0 MQTT-3.8.3-2, MQTT-3.10.3-2).
  empty_subscription_list,
  // DUP set on a QoS 0 PUBLISH (MQTT 5.0 MQTT-3.3.1-2).
  dup_on_qos0,

  // --- limits ---
  // The packet is larger than the configured maximum packet size (MQTT 5.0 §3.1.2.11.4);
  // found from the fixed header, before its body is buffered.
  packet_too_large,
  // The client sent more unacknowledged QoS 2 PUBLISHes than our Receive Maximum
  // (MQTT 5.0 §3.3.4, MQTT-3.3.4-9).
  receive_maximum_exceeded,
  // A topic alias of 0 or above the Topic Alias Maximum we announced (MQTT 5.0 §3.3.2.3.4).
  topic_alias_invalid,
  // No CONNECT arrived within the connect timeout.
  connect_timeout,
  // Nothing arrived within 1.5 times the keep-alive (MQTT 5.0 §3.1.2.10, MQTT-3.1.2-22).
  keep_alive_timeout,
  // The server has as many connections as it is configured to accept.
  too_many_connections,

  // --- protocol errors (MQTT 5.0 §4.13: DISCONNECT 0x82) ---
  // CONNECT's protocol level is neither 4 (3.1.1) nor 5 (5.0) (MQTT 5.0 §3.1.2.2).
  unsupported_protocol_version,
  // The first packet is not CONNECT (MQTT-3.1.0-1).
  first_packet_not_connect,
  // A second CONNECT, a server-to-client packet from a client, an unknown topic alias, a
  // session expiry raised from 0 at DISCONNECT, or another sequence the spec forbids.
  protocol_error,

  // --- session and authentication outcomes ---
  // The client identifier is not acceptable (too long, or empty without clean start).
  client_id_rejected,
  // The Authenticator refused the user name and password.
  bad_user_name_or_password,
  // The Authenticator or Authorizer refused this identity.
  not_authorized,
  // CONNECT asks for an enhanced authentication method we do not support (MQTT 5.0 §4.12).
  bad_authentication_method,
  // Another connection connected with the same client identifier (MQTT 5.0 §3.1.4).
  session_taken_over,
  // The server is shutting down.
  server_shutting_down,
  // A retained message would pass a bound on retained messages (MqttOptions::max_retained_*).
  quota_exceeded,
  // The client's user now lives on another server of the cell (docs/CLUSTER.md).
  use_another_server,
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

}  // namespace iris::mqtt

template <>
struct std::is_error_code_enum<iris::mqtt::errc> : std::true_type {};
