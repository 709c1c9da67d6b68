#include "mqtt/encoder.h"

#include <type_traits>

#include "mqtt/detail/byte_writer.h"

namespace iris::mqtt {
namespace {

using detail::BufferWriter;
using detail::SizeCounter;

template <typename W>
void write_value(W& w, std::uint8_t v) { w.u8(v); }
template <typename W>
void write_value(W& w, std::uint16_t v) { w.u16(v); }
template <typename W>
void write_value(W& w, std::uint32_t v) { w.u32(v); }
template <typename W>
void write_value(W& w, const std::string& v) { w.str(v); }

// The properties themselves, in identifier order, without the length prefix.
template <typename W>
void write_property_list(W& w, const Properties& p) {
#define IRIS_MQTT_WRITE_PROPERTY(pid, field, kind, where, nonzero) \
  if (p.field) {                                                  \
    w.varint(pid);                                                \
    write_value(w, *p.field);                                     \
  }
  IRIS_MQTT_PROPERTIES(IRIS_MQTT_WRITE_PROPERTY)
#undef IRIS_MQTT_WRITE_PROPERTY
  for (const std::uint32_t id : p.subscription_identifiers) {
    w.varint(kSubscriptionIdentifierId);
    w.varint(id);
  }
  for (const auto& up : p.user_properties) {
    w.varint(kUserPropertyId);
    w.str(up.key);
    w.str(up.value);
  }
}

// Property Length + properties (MQTT 5.0 §2.2.2.1).
template <typename W>
void write_properties(W& w, const Properties& p) {
  SizeCounter c;
  write_property_list(c, p);
  w.varint(static_cast<std::uint32_t>(c.size()));
  write_property_list(w, p);
}

bool has_properties(const Properties& p) { return !(p == Properties{}); }

std::uint8_t subscribe_options_byte(const SubscribeOptions& o, Version v) {
  auto b = static_cast<std::uint8_t>(o.max_qos);
  if (v == Version::v5) {
    b |= static_cast<std::uint8_t>((o.no_local ? 0x04 : 0) | (o.retain_as_published ? 0x08 : 0) |
                                   (static_cast<std::uint8_t>(o.retain_handling) << 4));
  }
  return b;
}

template <typename W>
struct BodyWriter {
  W& w;
  Version v;

  bool v5() const { return v == Version::v5; }

  void operator()(const Connect& c) {
    const bool c5 = c.version == Version::v5;
    w.str("MQTT");
    w.u8(static_cast<std::uint8_t>(c.version));
    std::uint8_t flags = c.clean_start ? 0x02 : 0;
    if (c.will) {
      flags |= static_cast<std::uint8_t>(0x04 | (static_cast<std::uint8_t>(c.will->qos) << 3) |
                                         (c.will->retain ? 0x20 : 0));
    }
    if (c.password) flags |= 0x40;
    if (c.username) flags |= 0x80;
    w.u8(flags);
    w.u16(c.keep_alive);
    if (c5) write_properties(w, c.props);
    w.str(c.client_id);
    if (c.will) {
      if (c5) write_properties(w, c.will->props);
      w.str(c.will->topic);
      w.str(c.will->payload.view());
    }
    if (c.username) w.str(*c.username);
    if (c.password) w.str(*c.password);
  }
  void operator()(const Connack& c) {
    w.u8(c.session_present ? 1 : 0);
    if (v5()) {
      w.u8(static_cast<std::uint8_t>(c.reason));
      write_properties(w, c.props);
    } else {
      w.u8(to_v3_connack_code(c.reason));
    }
  }
  void operator()(const Publish& p) {
    w.str(p.topic);
    if (p.qos != QoS::at_most_once) w.u16(p.packet_id);
    if (v5()) write_properties(w, p.props);
    w.raw(p.payload.view());
  }
  template <PacketType T>
  void operator()(const Ack<T>& a) {
    w.u16(a.packet_id);
    reason_and_properties(a.reason, a.props);
  }
  void operator()(const Subscribe& s) {
    w.u16(s.packet_id);
    if (v5()) write_properties(w, s.props);
    for (const auto& sub : s.subscriptions) {
      w.str(sub.filter);
      w.u8(subscribe_options_byte(sub.options, v));
    }
  }
  void operator()(const Suback& s) {
    w.u16(s.packet_id);
    if (v5()) write_properties(w, s.props);
    for (const ReasonCode rc : s.reasons) {
      // 3.1.1 knows one failure code, 0x80 (§3.9.3).
      w.u8(!v5() && is_failure(rc) ? 0x80 : static_cast<std::uint8_t>(rc));
    }
  }
  void operator()(const Unsubscribe& u) {
    w.u16(u.packet_id);
    if (v5()) write_properties(w, u.props);
    for (const auto& f : u.filters) w.str(f);
  }
  void operator()(const Unsuback& u) {
    w.u16(u.packet_id);
    if (!v5()) return;
    write_properties(w, u.props);
    for (const ReasonCode rc : u.reasons) w.u8(static_cast<std::uint8_t>(rc));
  }
  void operator()(const PingReq&) {}
  void operator()(const PingResp&) {}
  void operator()(const Disconnect& d) { reason_and_properties(d.reason, d.props); }
  void operator()(const Auth& a) { reason_and_properties(a.reason, a.props); }

  // 5.0 acks, DISCONNECT and AUTH omit a success reason code without properties, and
  // the property length when there are none (MQTT 5.0 §3.4.2.1, §3.14.2.1, §3.15.2.1).
  void reason_and_properties(ReasonCode rc, const Properties& props) {
    if (!v5()) return;
    const bool with_props = has_properties(props);
    if (rc == ReasonCode::success && !with_props) return;
    w.u8(static_cast<std::uint8_t>(rc));
    if (with_props) write_properties(w, props);
  }
};

std::uint8_t first_byte(const Packet& packet) {
  const auto type = static_cast<std::uint8_t>(packet_type(packet));
  std::uint8_t flags = 0;
  if (const auto* p = std::get_if<Publish>(&packet)) {
    flags = static_cast<std::uint8_t>((p->dup ? 0x08 : 0) |
                                      (static_cast<std::uint8_t>(p->qos) << 1) |
                                      (p->retain ? 0x01 : 0));
  } else if (std::holds_alternative<PubRel>(packet) || std::holds_alternative<Subscribe>(packet) ||
             std::holds_alternative<Unsubscribe>(packet)) {
    flags = 0x02;
  }
  return static_cast<std::uint8_t>(type << 4 | flags);
}

std::size_t body_size(const Packet& packet, Version v) {
  SizeCounter c;
  std::visit(BodyWriter<SizeCounter>{c, v}, packet);
  return c.size();
}

}  // namespace

std::size_t encode(const Packet& packet, Version version, Bytes& out) {
  const std::size_t before = out.size();
  const std::size_t body = body_size(packet, version);
  out.reserve(before + 1 + detail::varint_size(static_cast<std::uint32_t>(body)) + body);
  BufferWriter w(out);
  w.u8(first_byte(packet));
  w.varint(static_cast<std::uint32_t>(body));
  std::visit(BodyWriter<BufferWriter>{w, version}, packet);
  return out.size() - before;
}

Bytes encode(const Packet& packet, Version version) {
  Bytes out;
  encode(packet, version, out);
  return out;
}

std::size_t encoded_size(const Packet& packet, Version version) {
  const std::size_t body = body_size(packet, version);
  return 1 + detail::varint_size(static_cast<std::uint32_t>(body)) + body;
}

}  // namespace iris::mqtt
