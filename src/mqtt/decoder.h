#pragma once
// Decoder: turns a connection's byte stream into packets, however the reads split it
// (the incremental parser contract of beast's basic_parser: put bytes, take what is ready).
// One per connection, owned by whoever owns the connection; single-threaded.
//
// Usage: after each read, `put(bytes)`, then call `next()` until it yields nullopt (need
// more bytes) or an error. Errors are sticky: the stream cannot be resynchronised, the
// connection must close (MQTT 5.0 §4.13).
//
// Limits: the packet size is checked from the fixed header, before the body is buffered,
// so a peer cannot make the decoder hold more than max_packet_size plus one read.
// The protocol version is unknown until CONNECT; until then any other packet is an error.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"
#include "mqtt/packet/packet.h"

namespace iris::mqtt {

class Decoder {
 public:
  // max_packet_size: the whole packet, fixed header included (MQTT 5.0 §3.1.2.11.4).
  explicit Decoder(std::uint32_t max_packet_size,
                   std::optional<Version> version = std::nullopt);

  // Applies to packets whose fixed header is read from now on (the broker raises the limit
  // once a CONNECT is accepted: MqttOptions::max_connect_packet_size).
  void set_max_packet_size(std::uint32_t max_packet_size) { max_packet_size_ = max_packet_size; }

  void put(std::span<const std::uint8_t> bytes);
  // The next complete packet, nullopt if more bytes are needed, or the error that ends the
  // connection.
  Result<std::optional<Packet>> next();

  // Set by the CONNECT packet; known as soon as its protocol level was read, even when the
  // rest of the CONNECT is malformed, so the server can answer in the client's version.
  std::optional<Version> version() const { return version_; }
  std::size_t buffered() const { return buffer_.size() - offset_; }

 private:
  void compact();

  std::uint32_t max_packet_size_;
  std::optional<Version> version_;
  std::optional<errc> error_;
  std::vector<std::uint8_t> buffer_;
  std::size_t offset_ = 0;  // bytes of buffer_ already decoded
};

// Decodes one packet body (everything after the fixed header). `version` is ignored for
// CONNECT, whose protocol level is stored into *connect_version as soon as it is read.
// Exposed for tests and fuzzing; the Decoder is the normal entry point.
Result<Packet> decode_packet(std::uint8_t first_byte, std::span<const std::uint8_t> body,
                             Version version, std::optional<Version>* connect_version);

}  // namespace iris::mqtt
