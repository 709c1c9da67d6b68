#pragma once
// ByteReader: bounds-checked reads of MQTT data types (MQTT 5.0 §1.5) from one packet's
// bytes. The first failure sticks: later reads return zero values and the caller checks
// `ok()` once per packet, which keeps the decoders straight-line.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mqtt/errc.h"
#include "base/utf8.h"

namespace iris::mqtt::detail {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes)
      : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool ok() const { return !error_; }
  errc error() const { return *error_; }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  void fail(errc e) {
    if (!error_) error_ = e;
    p_ = end_;
  }

  std::uint8_t u8() {
    if (!need(1)) return 0;
    return *p_++;
  }
  std::uint16_t u16() {
    if (!need(2)) return 0;
    const std::uint16_t v = static_cast<std::uint16_t>((p_[0] << 8) | p_[1]);
    p_ += 2;
    return v;
  }
  std::uint32_t u32() {
    if (!need(4)) return 0;
    const std::uint32_t v = (std::uint32_t{p_[0]} << 24) | (std::uint32_t{p_[1]} << 16) |
                            (std::uint32_t{p_[2]} << 8) | std::uint32_t{p_[3]};
    p_ += 4;
    return v;
  }
  // Variable Byte Integer (MQTT 5.0 §1.5.5): at most 4 bytes, minimally encoded.
  std::uint32_t varint() {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      if (!need(1)) return 0;
      const std::uint8_t b = *p_++;
      value |= std::uint32_t{b & 0x7Fu} << (7 * i);
      if ((b & 0x80) == 0) {
        if (i > 0 && b == 0) fail(errc::malformed_variable_integer);
        return value;
      }
    }
    fail(errc::malformed_variable_integer);
    return 0;
  }
  // The next n bytes, unchecked for content.
  std::span<const std::uint8_t> take(std::size_t n) {
    if (!need(n)) return {};
    std::span<const std::uint8_t> s(p_, n);
    p_ += n;
    return s;
  }
  std::string_view rest_view() {
    std::string_view s(reinterpret_cast<const char*>(p_), remaining());
    p_ = end_;
    return s;
  }
  // Binary Data (MQTT 5.0 §1.5.6): two-byte length, then bytes.
  std::string binary() {
    const std::uint16_t n = u16();
    const auto s = take(n);
    return std::string(reinterpret_cast<const char*>(s.data()), s.size());
  }
  // UTF-8 Encoded String (MQTT 5.0 §1.5.4), validated.
  std::string utf8() {
    std::string s = binary();
    if (ok() && !is_valid_utf8(s, Nul::refused)) fail(errc::invalid_utf8);
    return s;
  }

 private:
  bool need(std::size_t n) {
    if (remaining() >= n) return true;
    fail(errc::truncated_packet);
    return false;
  }

  const std::uint8_t* p_;
  const std::uint8_t* end_;
  std::optional<errc> error_;
};

}  // namespace iris::mqtt::detail
