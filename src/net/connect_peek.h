#pragma once
// peek_client_id: reads the client identifier out of the first bytes of a connection, before
// any broker sees them, so net/ can hand the connection to the shard that owns that client
// id (MqttServer). Only the layout up to the client id is read (MQTT 3.1.1 §3.1, 5.0 §3.1):
//
//   0x10 remaining-length(varint) protocol-name(u16 len + bytes) level(u8) flags(u8)
//   keep-alive(u16) [5.0: properties-length(varint) properties] client-id(u16 len + bytes)
//
// It does not validate: anything it cannot read is `invalid`, and the connection is left on
// the shard where it was accepted, whose broker then refuses it with the proper reason.

#include <cstdint>
#include <span>
#include <string>

namespace iris::net {

struct ConnectPeek {
  enum class Status { need_more, found, invalid };
  Status status = Status::need_more;
  std::string client_id;  // when found; may be empty (the broker assigns one)
};

ConnectPeek peek_client_id(std::span<const std::uint8_t> bytes);

}  // namespace iris::net
