#include "mqtt/errc.h"

#include <string>

namespace iris::mqtt {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iris.mqtt"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::malformed_variable_integer: return "malformed variable byte integer";
      case errc::invalid_packet_type: return "invalid packet type";
      case errc::invalid_fixed_header_flags: return "invalid fixed header flags";
      case errc::truncated_packet: return "field runs past the end of the packet";
      case errc::trailing_bytes: return "unexpected bytes after the last field";
      case errc::invalid_utf8: return "invalid UTF-8 string";
      case errc::invalid_protocol_name: return "invalid protocol name";
      case errc::invalid_connect_flags: return "invalid CONNECT flags";
      case errc::invalid_qos: return "invalid QoS";
      case errc::invalid_packet_id: return "packet identifier 0";
      case errc::invalid_topic_name: return "invalid topic name";
      case errc::invalid_topic_filter: return "invalid topic filter";
      case errc::invalid_property: return "invalid property";
      case errc::invalid_reason_code: return "invalid reason code for this packet";
      case errc::invalid_subscription_options: return "invalid subscription options";
      case errc::empty_subscription_list: return "no topic filter in (UN)SUBSCRIBE";
      case errc::dup_on_qos0: return "DUP set on a QoS 0 PUBLISH";
      case errc::packet_too_large: return "packet larger than the maximum packet size";
      case errc::receive_maximum_exceeded: return "receive maximum exceeded";
      case errc::topic_alias_invalid: return "invalid topic alias";
      case errc::connect_timeout: return "no CONNECT within the connect timeout";
      case errc::keep_alive_timeout: return "keep-alive timeout";
      case errc::too_many_connections: return "too many connections";
      case errc::unsupported_protocol_version: return "unsupported protocol version";
      case errc::first_packet_not_connect: return "first packet is not CONNECT";
      case errc::protocol_error: return "protocol error";
      case errc::client_id_rejected: return "client identifier rejected";
      case errc::bad_user_name_or_password: return "bad user name or password";
      case errc::not_authorized: return "not authorized";
      case errc::bad_authentication_method: return "unsupported authentication method";
      case errc::session_taken_over: return "session taken over";
      case errc::server_shutting_down: return "server shutting down";
      case errc::quota_exceeded: return "retained message quota exceeded";
      case errc::use_another_server: return "the user lives on another server now";
    }
    return "unknown mqtt error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

}  // namespace iris::mqtt
