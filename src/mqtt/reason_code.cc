#include "mqtt/reason_code.h"

#include <algorithm>
#include <initializer_list>

namespace iris::mqtt {
namespace {

using R = ReasonCode;

bool in(ReasonCode rc, std::initializer_list<ReasonCode> list) {
  return std::find(list.begin(), list.end(), rc) != list.end();
}

}  // namespace

bool is_allowed(PacketType type, ReasonCode rc) {
  switch (type) {
    case PacketType::connack:  // MQTT 5.0 §3.2.2.2
      return in(rc, {R::success, R::unspecified_error, R::malformed_packet, R::protocol_error,
                     R::implementation_specific_error, R::unsupported_protocol_version,
                     R::client_identifier_not_valid, R::bad_user_name_or_password,
                     R::not_authorized, R::server_unavailable, R::server_busy, R::banned,
                     R::bad_authentication_method, R::topic_name_invalid, R::packet_too_large,
                     R::quota_exceeded, R::payload_format_invalid, R::retain_not_supported,
                     R::qos_not_supported, R::use_another_server, R::server_moved,
                     R::connection_rate_exceeded});
    case PacketType::puback:  // §3.4.2.1; PUBREC §3.5.2.1 has the same table
    case PacketType::pubrec:
      return in(rc, {R::success, R::no_matching_subscribers, R::unspecified_error,
                     R::implementation_specific_error, R::not_authorized, R::topic_name_invalid,
                     R::packet_identifier_in_use, R::quota_exceeded, R::payload_format_invalid});
    case PacketType::pubrel:  // §3.6.2.1; PUBCOMP §3.7.2.1
    case PacketType::pubcomp:
      return in(rc, {R::success, R::packet_identifier_not_found});
    case PacketType::suback:  // §3.9.3
      return in(rc, {R::success, R::granted_qos_1, R::granted_qos_2, R::unspecified_error,
                     R::implementation_specific_error, R::not_authorized,
                     R::topic_filter_invalid, R::packet_identifier_in_use, R::quota_exceeded,
                     R::shared_subscriptions_not_supported,
                     R::subscription_identifiers_not_supported,
                     R::wildcard_subscriptions_not_supported});
    case PacketType::unsuback:  // §3.11.3
      return in(rc, {R::success, R::no_subscription_existed, R::unspecified_error,
                     R::implementation_specific_error, R::not_authorized,
                     R::topic_filter_invalid, R::packet_identifier_in_use});
    case PacketType::disconnect:  // §3.14.2.1
      return in(rc,
                {R::success, R::disconnect_with_will_message, R::unspecified_error,
                 R::malformed_packet, R::protocol_error, R::implementation_specific_error,
                 R::not_authorized, R::server_busy, R::server_shutting_down,
                 R::keep_alive_timeout, R::session_taken_over, R::topic_filter_invalid,
                 R::topic_name_invalid, R::receive_maximum_exceeded, R::topic_alias_invalid,
                 R::packet_too_large, R::message_rate_too_high, R::quota_exceeded,
                 R::administrative_action, R::payload_format_invalid, R::retain_not_supported,
                 R::qos_not_supported, R::use_another_server, R::server_moved,
                 R::shared_subscriptions_not_supported, R::connection_rate_exceeded,
                 R::maximum_connect_time, R::subscription_identifiers_not_supported,
                 R::wildcard_subscriptions_not_supported});
    case PacketType::auth:  // §3.15.2.1
      return in(rc, {R::success, R::continue_authentication, R::re_authenticate});
    default:
      return false;
  }
}

ReasonCode to_reason_code(errc e) {
  switch (e) {
    case errc::malformed_variable_integer:
    case errc::invalid_packet_type:
    case errc::invalid_fixed_header_flags:
    case errc::truncated_packet:
    case errc::trailing_bytes:
    case errc::invalid_utf8:
    case errc::invalid_protocol_name:
    case errc::invalid_connect_flags:
    case errc::invalid_qos:
    case errc::invalid_packet_id:
    case errc::invalid_topic_name:
    case errc::invalid_topic_filter:
    case errc::invalid_property:
    case errc::invalid_reason_code:
    case errc::invalid_subscription_options:
    case errc::empty_subscription_list:
    case errc::dup_on_qos0:
      return R::malformed_packet;
    case errc::packet_too_large: return R::packet_too_large;
    case errc::receive_maximum_exceeded: return R::receive_maximum_exceeded;
    case errc::topic_alias_invalid: return R::topic_alias_invalid;
    case errc::connect_timeout: return R::maximum_connect_time;
    case errc::keep_alive_timeout: return R::keep_alive_timeout;
    case errc::too_many_connections: return R::server_busy;
    case errc::unsupported_protocol_version: return R::unsupported_protocol_version;
    case errc::first_packet_not_connect:
    case errc::protocol_error: return R::protocol_error;
    case errc::client_id_rejected: return R::client_identifier_not_valid;
    case errc::bad_user_name_or_password: return R::bad_user_name_or_password;
    case errc::not_authorized: return R::not_authorized;
    case errc::bad_authentication_method: return R::bad_authentication_method;
    case errc::session_taken_over: return R::session_taken_over;
    case errc::server_shutting_down: return R::server_shutting_down;
    case errc::quota_exceeded: return R::quota_exceeded;
    case errc::use_another_server: return R::use_another_server;
  }
  return R::unspecified_error;
}

std::uint8_t to_v3_connack_code(ReasonCode rc) {
  switch (rc) {
    case R::success: return 0;
    case R::unsupported_protocol_version: return 1;
    case R::client_identifier_not_valid: return 2;
    case R::bad_user_name_or_password: return 4;
    case R::not_authorized:
    case R::banned:
    case R::bad_authentication_method: return 5;
    default: return 3;  // "server unavailable" is 3.1.1's only general failure
  }
}

ReasonCode from_v3_connack_code(std::uint8_t code) {
  switch (code) {
    case 0: return R::success;
    case 1: return R::unsupported_protocol_version;
    case 2: return R::client_identifier_not_valid;
    case 3: return R::server_unavailable;
    case 4: return R::bad_user_name_or_password;
    case 5: return R::not_authorized;
    default: return R::unspecified_error;
  }
}

std::string_view to_string(ReasonCode rc) {
  switch (rc) {
    case R::success: return "success";
    case R::granted_qos_1: return "granted QoS 1";
    case R::granted_qos_2: return "granted QoS 2";
    case R::disconnect_with_will_message: return "disconnect with will message";
    case R::no_matching_subscribers: return "no matching subscribers";
    case R::no_subscription_existed: return "no subscription existed";
    case R::continue_authentication: return "continue authentication";
    case R::re_authenticate: return "re-authenticate";
    case R::unspecified_error: return "unspecified error";
    case R::malformed_packet: return "malformed packet";
    case R::protocol_error: return "protocol error";
    case R::implementation_specific_error: return "implementation specific error";
    case R::unsupported_protocol_version: return "unsupported protocol version";
    case R::client_identifier_not_valid: return "client identifier not valid";
    case R::bad_user_name_or_password: return "bad user name or password";
    case R::not_authorized: return "not authorized";
    case R::server_unavailable: return "server unavailable";
    case R::server_busy: return "server busy";
    case R::banned: return "banned";
    case R::server_shutting_down: return "server shutting down";
    case R::bad_authentication_method: return "bad authentication method";
    case R::keep_alive_timeout: return "keep alive timeout";
    case R::session_taken_over: return "session taken over";
    case R::topic_filter_invalid: return "topic filter invalid";
    case R::topic_name_invalid: return "topic name invalid";
    case R::packet_identifier_in_use: return "packet identifier in use";
    case R::packet_identifier_not_found: return "packet identifier not found";
    case R::receive_maximum_exceeded: return "receive maximum exceeded";
    case R::topic_alias_invalid: return "topic alias invalid";
    case R::packet_too_large: return "packet too large";
    case R::message_rate_too_high: return "message rate too high";
    case R::quota_exceeded: return "quota exceeded";
    case R::administrative_action: return "administrative action";
    case R::payload_format_invalid: return "payload format invalid";
    case R::retain_not_supported: return "retain not supported";
    case R::qos_not_supported: return "QoS not supported";
    case R::use_another_server: return "use another server";
    case R::server_moved: return "server moved";
    case R::shared_subscriptions_not_supported: return "shared subscriptions not supported";
    case R::connection_rate_exceeded: return "connection rate exceeded";
    case R::maximum_connect_time: return "maximum connect time";
    case R::subscription_identifiers_not_supported:
      return "subscription identifiers not supported";
    case R::wildcard_subscriptions_not_supported: return "wildcard subscriptions not supported";
  }
  return "unknown reason code";
}

}  // namespace iris::mqtt
