#pragma once
// MQTT 5.0 properties (MQTT 5.0 §2.2.2), one typed field per property. An empty optional is
// an absent property. 3.1.1 packets have no properties: the codec ignores this struct there.
//
// IRIS_MQTT_PROPERTIES is the single table of every property: identifier, field, wire type,
// the packets that may carry it, and whether 0 is forbidden. The codec is generated from it,
// so adding a property is one line.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace iris::mqtt {

struct UserProperty {
  std::string key;
  std::string value;
  bool operator==(const UserProperty&) const = default;
};

// Where a property may appear: one bit per packet type (bit = PacketType value), plus the
// will properties of CONNECT's payload (MQTT 5.0 §3.1.3.2).
namespace property_in {
inline constexpr std::uint32_t connect = 1u << 1, connack = 1u << 2, publish = 1u << 3,
                               puback = 1u << 4, pubrec = 1u << 5, pubrel = 1u << 6,
                               pubcomp = 1u << 7, subscribe = 1u << 8, suback = 1u << 9,
                               unsubscribe = 1u << 10, unsuback = 1u << 11,
                               disconnect = 1u << 14, auth = 1u << 15, will = 1u << 16;
inline constexpr std::uint32_t acks = puback | pubrec | pubrel | pubcomp;
inline constexpr std::uint32_t all = 0x1FFFE;
}  // namespace property_in

// X(id, field, wire type, allowed packets, zero forbidden). Wire types (MQTT 5.0 §1.5):
// byte (always 0 or 1 for the properties that use it), u16, u32, utf8, binary.
// Subscription Identifier (0x0B, varint, repeatable) and User Property (0x26, string pair,
// repeatable) are the two vectors below and are handled apart.
#define IRIS_MQTT_PROPERTIES(X)                                                            \
  X(0x01, payload_format_indicator, byte, property_in::publish | property_in::will, false) \
  X(0x02, message_expiry_interval, u32, property_in::publish | property_in::will, false)   \
  X(0x03, content_type, utf8, property_in::publish | property_in::will, false)             \
  X(0x08, response_topic, utf8, property_in::publish | property_in::will, false)           \
  X(0x09, correlation_data, binary, property_in::publish | property_in::will, false)       \
  X(0x11, session_expiry_interval, u32,                                                    \
    property_in::connect | property_in::connack | property_in::disconnect, false)          \
  X(0x12, assigned_client_identifier, utf8, property_in::connack, false)                   \
  X(0x13, server_keep_alive, u16, property_in::connack, false)                             \
  X(0x15, authentication_method, utf8,                                                     \
    property_in::connect | property_in::connack | property_in::auth, false)                \
  X(0x16, authentication_data, binary,                                                     \
    property_in::connect | property_in::connack | property_in::auth, false)                \
  X(0x17, request_problem_information, byte, property_in::connect, false)                  \
  X(0x18, will_delay_interval, u32, property_in::will, false)                              \
  X(0x19, request_response_information, byte, property_in::connect, false)                 \
  X(0x1A, response_information, utf8, property_in::connack, false)                         \
  X(0x1C, server_reference, utf8, property_in::connack | property_in::disconnect, false)   \
  X(0x1F, reason_string, utf8,                                                             \
    property_in::connack | property_in::acks | property_in::suback |                       \
        property_in::unsuback | property_in::disconnect | property_in::auth,               \
    false)                                                                                 \
  X(0x21, receive_maximum, u16, property_in::connect | property_in::connack, true)         \
  X(0x22, topic_alias_maximum, u16, property_in::connect | property_in::connack, false)    \
  X(0x23, topic_alias, u16, property_in::publish, true)                                    \
  X(0x24, maximum_qos, byte, property_in::connack, false)                                  \
  X(0x25, retain_available, byte, property_in::connack, false)                             \
  X(0x27, maximum_packet_size, u32, property_in::connect | property_in::connack, true)     \
  X(0x28, wildcard_subscription_available, byte, property_in::connack, false)              \
  X(0x29, subscription_identifier_available, byte, property_in::connack, false)            \
  X(0x2A, shared_subscription_available, byte, property_in::connack, false)

namespace detail {
template <typename Tag>
struct PropertyType;
struct byte;
struct u16;
struct u32;
struct utf8;
struct binary;
template <> struct PropertyType<byte> { using type = std::uint8_t; };
template <> struct PropertyType<u16> { using type = std::uint16_t; };
template <> struct PropertyType<u32> { using type = std::uint32_t; };
template <> struct PropertyType<utf8> { using type = std::string; };
template <> struct PropertyType<binary> { using type = std::string; };
}  // namespace detail

struct Properties {
#define IRIS_MQTT_PROPERTY_FIELD(id, field, kind, where, nonzero) \
  std::optional<detail::PropertyType<detail::kind>::type> field;
  IRIS_MQTT_PROPERTIES(IRIS_MQTT_PROPERTY_FIELD)
#undef IRIS_MQTT_PROPERTY_FIELD

  // 0x0B: in SUBSCRIBE at most one; in a PUBLISH to a client, one per matching subscription
  // that has one (MQTT 5.0 §3.3.2.3.8). Values 1..268435455.
  std::vector<std::uint32_t> subscription_identifiers;
  // 0x26: any packet, any number, order preserved (MQTT 5.0 §3.1.2.11.8).
  std::vector<UserProperty> user_properties;

  bool operator==(const Properties&) const = default;
};

inline constexpr std::uint8_t kSubscriptionIdentifierId = 0x0B;
inline constexpr std::uint8_t kUserPropertyId = 0x26;
inline constexpr std::uint32_t kMaxSubscriptionIdentifier = 268'435'455;

}  // namespace iris::mqtt
