#include "mqtt/decoder.h"

#include <utility>

#include "mqtt/detail/byte_reader.h"
#include "mqtt/topic.h"

namespace iris::mqtt {
namespace {

using detail::ByteReader;

// A buffer that grew for a large packet is released once empty, so an idle connection
// keeps at most this much (DESIGN target: <= 2 KiB per idle connection).
constexpr std::size_t kIdleBufferCapacity = 1024;

std::uint8_t read_value(ByteReader& r, detail::byte*) { return r.u8(); }
std::uint16_t read_value(ByteReader& r, detail::u16*) { return r.u16(); }
std::uint32_t read_value(ByteReader& r, detail::u32*) { return r.u32(); }
std::string read_value(ByteReader& r, detail::utf8*) { return r.utf8(); }
std::string read_value(ByteReader& r, detail::binary*) { return r.binary(); }

// Byte properties are all booleans (MQTT 5.0 §3.1.2.11.6, §3.2.2.3.4, ...); some numeric
// properties forbid 0 (Receive Maximum, Maximum Packet Size, Topic Alias).
bool valid_value(std::uint8_t v, bool) { return v <= 1; }
bool valid_value(std::uint16_t v, bool nonzero) { return !nonzero || v != 0; }
bool valid_value(std::uint32_t v, bool nonzero) { return !nonzero || v != 0; }
bool valid_value(const std::string&, bool) { return true; }

// Property Length then properties (MQTT 5.0 §2.2.2). `type_bit` says which packet (or the
// will) holds them, for the "may appear in" column of §2.2.2.2.
void read_properties(ByteReader& r, std::uint32_t type_bit, Properties& props) {
  const std::uint32_t length = r.varint();
  if (!r.ok()) return;
  if (length > r.remaining()) return r.fail(errc::truncated_packet);
  ByteReader pr(r.take(length));
  while (pr.ok() && pr.remaining() > 0) {
    const std::uint32_t id = pr.varint();
    if (!pr.ok()) break;
    switch (id) {
#define IRIS_MQTT_READ_PROPERTY(pid, field, kind, where, nonzero)                   \
  case pid:                                                                         \
    if (!(type_bit & (where)) || props.field.has_value()) {                         \
      pr.fail(errc::invalid_property);                                              \
    } else {                                                                        \
      props.field = read_value(pr, static_cast<detail::kind*>(nullptr));            \
      if (pr.ok() && !valid_value(*props.field, nonzero)) pr.fail(errc::invalid_property); \
    }                                                                               \
    break;
      IRIS_MQTT_PROPERTIES(IRIS_MQTT_READ_PROPERTY)
#undef IRIS_MQTT_READ_PROPERTY
      case kSubscriptionIdentifierId: {
        // Repeatable only in a PUBLISH to a client (§3.3.2.3.8); once in SUBSCRIBE (§3.8.2.1.2).
        const bool in_subscribe = type_bit == property_in::subscribe;
        if (!(type_bit & (property_in::publish | property_in::subscribe)) ||
            (in_subscribe && !props.subscription_identifiers.empty())) {
          pr.fail(errc::invalid_property);
          break;
        }
        const std::uint32_t v = pr.varint();
        if (pr.ok() && (v == 0 || v > kMaxSubscriptionIdentifier)) pr.fail(errc::invalid_property);
        props.subscription_identifiers.push_back(v);
        break;
      }
      case kUserPropertyId: {
        std::string key = pr.utf8();
        std::string value = pr.utf8();
        props.user_properties.push_back({std::move(key), std::move(value)});
        break;
      }
      default:
        pr.fail(errc::invalid_property);
    }
  }
  if (!pr.ok()) r.fail(pr.error());
}

bool expect_flags(std::uint8_t first_byte, std::uint8_t flags, ByteReader& r) {
  if ((first_byte & 0x0F) == flags) return true;
  r.fail(errc::invalid_fixed_header_flags);
  return false;
}

PacketId read_packet_id(ByteReader& r) {
  const PacketId id = r.u16();
  if (r.ok() && id == 0) r.fail(errc::invalid_packet_id);
  return id;
}

ReasonCode read_reason(ByteReader& r, PacketType type) {
  const auto rc = static_cast<ReasonCode>(r.u8());
  if (r.ok() && !is_allowed(type, rc)) r.fail(errc::invalid_reason_code);
  return rc;
}

constexpr std::uint32_t bit(PacketType t) { return 1u << static_cast<unsigned>(t); }

// MQTT 5.0 §3.1.2-3.1.3, 3.1.1 §3.1.2-3.1.3.
Connect decode_connect(ByteReader& r, std::optional<Version>* connect_version) {
  Connect c;
  const std::string name = r.utf8();
  const std::uint8_t level = r.u8();
  if (!r.ok()) return c;
  if (name == "MQIsdp") {  // MQTT 3.1: answered like any unsupported level (MQTT-3.1.2-2)
    r.fail(errc::unsupported_protocol_version);
    return c;
  }
  if (name != "MQTT") {
    r.fail(errc::invalid_protocol_name);
    return c;
  }
  if (level != 4 && level != 5) {
    r.fail(errc::unsupported_protocol_version);
    return c;
  }
  c.version = static_cast<Version>(level);
  if (connect_version) *connect_version = c.version;
  const bool v5 = c.version == Version::v5;

  const std::uint8_t flags = r.u8();
  const bool has_user = flags & 0x80;
  const bool has_password = flags & 0x40;
  const bool will_retain = flags & 0x20;
  const auto will_qos = static_cast<std::uint8_t>((flags >> 3) & 0x03);
  const bool has_will = flags & 0x04;
  c.clean_start = flags & 0x02;
  if (flags & 0x01) r.fail(errc::invalid_connect_flags);  // MQTT-3.1.2-3
  if (will_qos == 3) r.fail(errc::invalid_qos);            // MQTT-3.1.2-12
  if (!has_will && (will_qos != 0 || will_retain)) {
    r.fail(errc::invalid_connect_flags);  // MQTT-3.1.2-11, -13
  }
  if (!v5 && has_password && !has_user) r.fail(errc::invalid_connect_flags);  // 3.1.1 -22
  c.keep_alive = r.u16();
  if (v5) read_properties(r, bit(PacketType::connect), c.props);
  c.client_id = r.utf8();
  if (has_will) {
    Will w;
    w.qos = static_cast<QoS>(will_qos);
    w.retain = will_retain;
    if (v5) read_properties(r, property_in::will, w.props);
    w.topic = r.utf8();
    if (r.ok() && !is_valid_topic_name(w.topic)) r.fail(errc::invalid_topic_name);
    w.payload = Payload(r.binary());
    c.will = std::move(w);
  }
  if (has_user) c.username = r.utf8();
  if (has_password) c.password = r.binary();
  return c;
}

// MQTT 5.0 §3.2.2, 3.1.1 §3.2.2.
Connack decode_connack(ByteReader& r, Version v) {
  Connack c;
  const std::uint8_t flags = r.u8();
  if (flags & 0xFE) r.fail(errc::invalid_connect_flags);  // MQTT-3.2.2-1
  c.session_present = flags & 0x01;
  if (v == Version::v5) {
    c.reason = read_reason(r, PacketType::connack);
    if (r.remaining() > 0) read_properties(r, bit(PacketType::connack), c.props);
  } else {
    const std::uint8_t code = r.u8();
    if (r.ok() && code > 5) r.fail(errc::invalid_reason_code);
    c.reason = from_v3_connack_code(code);
  }
  return c;
}

// MQTT 5.0 §3.3.1-3.3.3.
Publish decode_publish(std::uint8_t first_byte, ByteReader& r, Version v) {
  Publish p;
  p.dup = first_byte & 0x08;
  const auto qos = static_cast<std::uint8_t>((first_byte >> 1) & 0x03);
  p.retain = first_byte & 0x01;
  if (qos == 3) {
    r.fail(errc::invalid_qos);  // MQTT-3.3.1-4
    return p;
  }
  p.qos = static_cast<QoS>(qos);
  if (p.dup && p.qos == QoS::at_most_once) r.fail(errc::dup_on_qos0);  // MQTT-3.3.1-2
  p.topic = r.utf8();
  if (p.qos != QoS::at_most_once) p.packet_id = read_packet_id(r);
  if (v == Version::v5) read_properties(r, bit(PacketType::publish), p.props);
  if (!r.ok()) return p;
  // An empty topic is valid only with a Topic Alias (MQTT 5.0 §3.3.2.3.4).
  const bool alias_only = p.topic.empty() && p.props.topic_alias.has_value();
  if (!alias_only && !is_valid_topic_name(p.topic)) r.fail(errc::invalid_topic_name);
  const std::string_view payload = r.rest_view();
  p.payload = Payload(std::string(payload));
  return p;
}

// PUBACK, PUBREC, PUBREL, PUBCOMP (MQTT 5.0 §3.4.2-3.7.2): the reason code may be omitted
// (success), and the properties too.
template <typename A>
A decode_ack(ByteReader& r, Version v) {
  A a;
  a.packet_id = read_packet_id(r);
  if (v == Version::v5 && r.remaining() > 0) {
    a.reason = read_reason(r, A::type);
    if (r.remaining() > 0) read_properties(r, bit(A::type), a.props);
  }
  return a;
}

// MQTT 5.0 §3.8.2-3.8.3, 3.1.1 §3.8.3.
Subscribe decode_subscribe(ByteReader& r, Version v) {
  Subscribe s;
  s.packet_id = read_packet_id(r);
  if (v == Version::v5) read_properties(r, bit(PacketType::subscribe), s.props);
  while (r.ok() && r.remaining() > 0) {
    Subscription sub;
    sub.filter = r.utf8();
    const std::uint8_t o = r.u8();
    if (!r.ok()) break;
    if (!is_valid_topic_filter(sub.filter)) r.fail(errc::invalid_topic_filter);
    // Reserved bits: 2-7 on 3.1.1 (MQTT-3-8.3-4), 6-7 on 5.0 (MQTT-3.8.3-5).
    if (o & (v == Version::v5 ? 0xC0 : 0xFC)) r.fail(errc::invalid_subscription_options);
    if ((o & 0x03) == 3) r.fail(errc::invalid_qos);
    if (((o >> 4) & 0x03) == 3) r.fail(errc::invalid_subscription_options);
    sub.options.max_qos = static_cast<QoS>(o & 0x03);
    sub.options.no_local = o & 0x04;
    sub.options.retain_as_published = o & 0x08;
    sub.options.retain_handling = static_cast<RetainHandling>((o >> 4) & 0x03);
    s.subscriptions.push_back(std::move(sub));
  }
  if (r.ok() && s.subscriptions.empty()) r.fail(errc::empty_subscription_list);
  return s;
}

// MQTT 5.0 §3.9.2-3.9.3, 3.1.1 §3.9.3 (return codes 0, 1, 2, 0x80).
Suback decode_suback(ByteReader& r, Version v) {
  Suback s;
  s.packet_id = read_packet_id(r);
  if (v == Version::v5) read_properties(r, bit(PacketType::suback), s.props);
  while (r.ok() && r.remaining() > 0) {
    const auto rc = static_cast<ReasonCode>(r.u8());
    const bool ok = v == Version::v5 ? is_allowed(PacketType::suback, rc)
                                     : (rc <= ReasonCode::granted_qos_2 ||
                                        rc == ReasonCode::unspecified_error);
    if (!ok) r.fail(errc::invalid_reason_code);
    s.reasons.push_back(rc);
  }
  if (r.ok() && s.reasons.empty()) r.fail(errc::empty_subscription_list);
  return s;
}

// MQTT 5.0 §3.10.2-3.10.3.
Unsubscribe decode_unsubscribe(ByteReader& r, Version v) {
  Unsubscribe u;
  u.packet_id = read_packet_id(r);
  if (v == Version::v5) read_properties(r, bit(PacketType::unsubscribe), u.props);
  while (r.ok() && r.remaining() > 0) {
    std::string f = r.utf8();
    if (r.ok() && !is_valid_topic_filter(f)) r.fail(errc::invalid_topic_filter);
    u.filters.push_back(std::move(f));
  }
  if (r.ok() && u.filters.empty()) r.fail(errc::empty_subscription_list);
  return u;
}

// MQTT 5.0 §3.11.2-3.11.3; 3.1.1 has the packet id only.
Unsuback decode_unsuback(ByteReader& r, Version v) {
  Unsuback u;
  u.packet_id = read_packet_id(r);
  if (v != Version::v5) return u;
  read_properties(r, bit(PacketType::unsuback), u.props);
  while (r.ok() && r.remaining() > 0) u.reasons.push_back(read_reason(r, PacketType::unsuback));
  if (r.ok() && u.reasons.empty()) r.fail(errc::empty_subscription_list);
  return u;
}

// DISCONNECT (§3.14.2) and AUTH (§3.15.2): reason and properties both optional.
template <typename P>
P decode_reason_and_properties(ByteReader& r, PacketType type) {
  P p;
  if (r.remaining() > 0) {
    p.reason = read_reason(r, type);
    if (r.remaining() > 0) read_properties(r, bit(type), p.props);
  }
  return p;
}

}  // namespace

Result<Packet> decode_packet(std::uint8_t first_byte, std::span<const std::uint8_t> body,
                             Version v, std::optional<Version>* connect_version) {
  ByteReader r(body);
  const auto type = static_cast<PacketType>(first_byte >> 4);
  // Fixed header flags (MQTT 5.0 §2.1.3): 0b0010 for PUBREL, SUBSCRIBE, UNSUBSCRIBE, 0
  // for every other type but PUBLISH.
  const std::uint8_t flags =
      (type == PacketType::pubrel || type == PacketType::subscribe ||
       type == PacketType::unsubscribe)
          ? 0x02
          : 0x00;
  Packet packet;
  bool no_trailing_check = false;
  if (type != PacketType::publish && !expect_flags(first_byte, flags, r)) {
    return fail(r.error());
  }
  switch (type) {
    case PacketType::connect: packet = decode_connect(r, connect_version); break;
    case PacketType::connack: packet = decode_connack(r, v); break;
    case PacketType::publish:
      packet = decode_publish(first_byte, r, v);
      no_trailing_check = true;
      break;
    case PacketType::puback: packet = decode_ack<PubAck>(r, v); break;
    case PacketType::pubrec: packet = decode_ack<PubRec>(r, v); break;
    case PacketType::pubrel: packet = decode_ack<PubRel>(r, v); break;
    case PacketType::pubcomp: packet = decode_ack<PubComp>(r, v); break;
    case PacketType::subscribe: packet = decode_subscribe(r, v); break;
    case PacketType::suback: packet = decode_suback(r, v); break;
    case PacketType::unsubscribe: packet = decode_unsubscribe(r, v); break;
    case PacketType::unsuback: packet = decode_unsuback(r, v); break;
    case PacketType::pingreq: packet = PingReq{}; break;
    case PacketType::pingresp: packet = PingResp{}; break;
    case PacketType::disconnect:
      if (v == Version::v5) {
        packet = decode_reason_and_properties<Disconnect>(r, type);
      } else {
        packet = Disconnect{};
      }
      break;
    case PacketType::auth:
      if (v != Version::v5) return fail(errc::invalid_packet_type);
      packet = decode_reason_and_properties<Auth>(r, type);
      break;
    default: return fail(errc::invalid_packet_type);
  }
  if (!r.ok()) return fail(r.error());
  if (!no_trailing_check && r.remaining() > 0) return fail(errc::trailing_bytes);
  return packet;
}

Decoder::Decoder(std::uint32_t max_packet_size, std::optional<Version> version)
    : max_packet_size_(max_packet_size), version_(version) {}

void Decoder::put(std::span<const std::uint8_t> bytes) {
  if (error_) return;  // the connection is closing; do not buffer for it
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

Result<std::optional<Packet>> Decoder::next() {
  if (error_) return fail(*error_);
  const std::span<const std::uint8_t> avail(buffer_.data() + offset_, buffer_.size() - offset_);
  if (avail.empty()) {
    compact();
    return std::nullopt;
  }
  // Fixed header (MQTT 5.0 §2.1.1): type and flags, then the remaining length as a
  // variable byte integer of 1 to 4 bytes.
  const std::uint8_t first = avail[0];
  const auto type = first >> 4;
  if (type == 0) {  // 15 is AUTH on 5.0; decode_packet rejects it on 3.1.1
    error_ = errc::invalid_packet_type;
    return fail(*error_);
  }
  if (!version_ && type != static_cast<int>(PacketType::connect)) {
    error_ = errc::first_packet_not_connect;
    return fail(*error_);
  }
  std::uint32_t remaining = 0;
  std::size_t header = 1;
  for (;; ++header) {
    if (header > 4) {
      error_ = errc::malformed_variable_integer;
      return fail(*error_);
    }
    if (avail.size() <= header) {
      compact();
      return std::nullopt;
    }
    const std::uint8_t b = avail[header];
    remaining |= std::uint32_t{b & 0x7Fu} << (7 * (header - 1));
    if ((b & 0x80) == 0) {
      if (header > 1 && b == 0) {
        error_ = errc::malformed_variable_integer;  // not minimal (MQTT-1.5.5-1)
        return fail(*error_);
      }
      ++header;
      break;
    }
  }
  const std::size_t total = header + remaining;
  if (total > max_packet_size_) {
    error_ = errc::packet_too_large;
    return fail(*error_);
  }
  if (avail.size() < total) {
    compact();
    buffer_.reserve(total);  // bounded by max_packet_size_ just above
    return std::nullopt;
  }
  std::optional<Version> connect_version;
  auto packet = decode_packet(first, avail.subspan(header, remaining),
                              version_.value_or(Version::v3_1_1), &connect_version);
  offset_ += total;
  if (connect_version && !version_) version_ = connect_version;
  if (!packet) {
    error_ = static_cast<errc>(packet.error().value());
    return fail(packet.error());
  }
  return std::optional<Packet>(std::move(*packet));
}

void Decoder::compact() {
  if (offset_ == 0) return;
  if (offset_ == buffer_.size()) {
    if (buffer_.capacity() > kIdleBufferCapacity) {
      std::vector<std::uint8_t>().swap(buffer_);
    } else {
      buffer_.clear();
    }
  } else {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(offset_));
  }
  offset_ = 0;
}

}  // namespace iris::mqtt
