#include "net/connect_peek.h"

#include <optional>

namespace iris::net {
namespace {

// A cursor over bytes that may end early: every read says whether the bytes were there.
struct Reader {
  std::span<const std::uint8_t> in;
  std::size_t pos = 0;

  bool has(std::size_t n) const { return in.size() - pos >= n; }
  std::uint8_t u8() { return in[pos++]; }
  std::uint16_t u16() {
    const auto v = static_cast<std::uint16_t>((in[pos] << 8) | in[pos + 1]);
    pos += 2;
    return v;
  }
};

enum class VarInt { ok, need_more, invalid };

// MQTT variable byte integer (5.0 §1.5.5): at most four bytes.
VarInt read_varint(Reader& r, std::uint32_t& out) {
  out = 0;
  for (int i = 0; i < 4; ++i) {
    if (!r.has(1)) return VarInt::need_more;
    const std::uint8_t b = r.u8();
    out |= static_cast<std::uint32_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) return VarInt::ok;
  }
  return VarInt::invalid;
}

ConnectPeek need_more() { return {ConnectPeek::Status::need_more, {}, {}, 0}; }
ConnectPeek invalid() { return {ConnectPeek::Status::invalid, {}, {}, 0}; }

}  // namespace

ConnectPeek peek_client_id(std::span<const std::uint8_t> bytes) {
  Reader r{bytes};
  if (!r.has(1)) return need_more();
  if (r.u8() != 0x10) return invalid();
  std::uint32_t remaining = 0;
  switch (read_varint(r, remaining)) {
    case VarInt::need_more: return need_more();
    case VarInt::invalid: return invalid();
    case VarInt::ok: break;
  }
  const std::size_t end = r.pos + remaining;  // the packet's last byte + 1
  if (!r.has(2)) return need_more();
  const std::uint16_t name_len = r.u16();
  if (!r.has(name_len + 1u + 1u + 2u)) return need_more();
  r.pos += name_len;
  const std::uint8_t level = r.u8();
  const std::size_t flags_at = r.pos;
  r.pos += 1 + 2;  // connect flags, keep alive
  if (level == 5) {
    std::uint32_t props = 0;
    switch (read_varint(r, props)) {
      case VarInt::need_more: return need_more();
      case VarInt::invalid: return invalid();
      case VarInt::ok: break;
    }
    if (!r.has(props)) return need_more();
    r.pos += props;
  }
  if (r.pos + 2 > end) return invalid();
  if (!r.has(2)) return need_more();
  const std::uint16_t id_len = r.u16();
  if (r.pos + id_len > end) return invalid();
  if (!r.has(id_len)) return need_more();
  ConnectPeek found{ConnectPeek::Status::found,
                    std::string(reinterpret_cast<const char*>(bytes.data() + r.pos), id_len), {}, level};
  r.pos += id_len;
  // Then the will and the user name: the owner shard depends on the user name, so a CONNECT
  // that has one is not routed before it is read.
  const std::uint8_t flags = bytes[flags_at];
  // Skips (or reads) one u16-length field: need_more until it is all there, invalid if it
  // runs past the packet.
  auto field = [&](std::string* out) -> ConnectPeek::Status {
    if (r.pos + 2 > end) return ConnectPeek::Status::invalid;
    if (!r.has(2)) return ConnectPeek::Status::need_more;
    const std::uint16_t len = r.u16();
    if (r.pos + len > end) return ConnectPeek::Status::invalid;
    if (!r.has(len)) return ConnectPeek::Status::need_more;
    if (out) out->assign(reinterpret_cast<const char*>(bytes.data() + r.pos), len);
    r.pos += len;
    return ConnectPeek::Status::found;
  };
  if (flags & 0x04) {
    if (level == 5) {
      std::uint32_t will_props = 0;
      switch (read_varint(r, will_props)) {
        case VarInt::need_more: return need_more();
        case VarInt::invalid: return invalid();
        case VarInt::ok: break;
      }
      if (r.pos + will_props > end) return invalid();
      if (!r.has(will_props)) return need_more();
      r.pos += will_props;
    }
    for (int i = 0; i < 2; ++i) {  // will topic, will payload
      if (const auto st = field(nullptr); st != ConnectPeek::Status::found) return {st, {}, {}, 0};
    }
  }
  if (flags & 0x80) {
    std::string user;
    if (const auto st = field(&user); st != ConnectPeek::Status::found) return {st, {}, {}, 0};
    found.username = std::move(user);
  }
  return found;
}

}  // namespace iris::net
