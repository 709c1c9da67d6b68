#pragma once
// peek_client_id: reads the client identifier out of the first bytes of a connection, before
// any broker sees them, so net/ can hand the connection to the shard that owns that client
// id (MqttServer). Only the layout up to the client id is read (MQTT 3.1.1 §3.1, 5.0 §3.1):
//
//   0x10 remaining-length(varint) protocol-name(u16 len + bytes) level(u8) flags(u8)
//   keep-alive(u16) [5.0: properties-length(varint) properties] client-id(u16 len + bytes)
//   [will: [5.0: will-properties] will-topic(u16 len) will-payload(u16 len)]
//   [user-name(u16 len + bytes)]
//
// It does not validate: anything it cannot read is `invalid`, and the connection is left on
// the shard where it was accepted, whose broker then refuses it with the proper reason.

#include <cstdint>
#include <span>
#include <optional>
#include <string>
#include <string_view>

namespace iris::net {

struct ConnectPeek {
  enum class Status { need_more, found, invalid };
  Status status = Status::need_more;
  std::string client_id;  // when found; may be empty (the broker assigns one)
  // The user name, when the CONNECT carries one and it could be read (found only).
  std::optional<std::string> username;
  // The protocol level: 4 = 3.1.1, 5 = 5.0 (found only).
  std::uint8_t level = 0;
  // The key of the owning shard: the user name if there is one, so every device of a user
  // (and that user's sync state) lives on one shard; else (none, or empty) the client id.
  // The broker keys sessions by (user, client id) (mqtt/broker.h), and this key is a function
  // of that pair, so every connection of one session lands on the one broker that holds it:
  // takeover and resumption never cross shards. (It relies on the Authenticator naming the
  // user the CONNECT's user name, as IrisAuth does.)
  std::string_view owner_key() const {
    return username && !username->empty() ? std::string_view(*username) : client_id;
  }
};

ConnectPeek peek_client_id(std::span<const std::uint8_t> bytes);

}  // namespace iris::net
