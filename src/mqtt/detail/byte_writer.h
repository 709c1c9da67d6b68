#pragma once
// Writers for the encoder. Each packet body is written twice through the same template:
// once into a SizeCounter (the remaining length must precede the body), once into a
// BufferWriter, so no temporary buffer is needed.

#include <cstdint>
#include <string_view>

#include "base/assert.h"
#include "mqtt/packet/types.h"

namespace iris::mqtt::detail {

inline std::size_t varint_size(std::uint32_t v) {
  return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4;
}

class SizeCounter {
 public:
  void u8(std::uint8_t) { n_ += 1; }
  void u16(std::uint16_t) { n_ += 2; }
  void u32(std::uint32_t) { n_ += 4; }
  void varint(std::uint32_t v) { n_ += varint_size(v); }
  void str(std::string_view s) { n_ += 2 + s.size(); }
  void raw(std::string_view s) { n_ += s.size(); }
  std::size_t size() const { return n_; }

 private:
  std::size_t n_ = 0;
};

// Appends to `out`, which must outlive the writer.
class BufferWriter {
 public:
  explicit BufferWriter(Bytes& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void varint(std::uint32_t v) {
    do {
      std::uint8_t b = v & 0x7F;
      v >>= 7;
      if (v) b |= 0x80;
      out_.push_back(b);
    } while (v);
  }
  // Length-prefixed string or binary data. Requires: s.size() <= 65535 (every string the
  // codec or broker builds comes from a decoded field or a bounded option).
  void str(std::string_view s) {
    IRIS_ASSERT(s.size() <= 0xFFFF, "MQTT string longer than 65535 bytes");
    u16(static_cast<std::uint16_t>(s.size()));
    raw(s);
  }
  void raw(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }

 private:
  Bytes& out_;
};

}  // namespace iris::mqtt::detail
