#pragma once
// Helpers shared by the mqtt tests: decoding a byte vector in one go.

#include <optional>

#include "mqtt/decoder.h"

namespace iris::mqtt::test {

inline constexpr std::uint32_t kTestMaxPacketSize = 4 * 1024 * 1024;

// Decodes exactly one packet. `version` nullopt means "before CONNECT".
inline Result<Packet> decode_one(const Bytes& bytes,
                                 std::optional<Version> version = Version::v5) {
  Decoder d(kTestMaxPacketSize, version);
  d.put(bytes);
  auto r = d.next();
  if (!r) return fail(r.error());
  if (!*r) return fail(errc::truncated_packet);
  if (d.buffered() != 0) return fail(errc::trailing_bytes);
  return std::move(**r);
}

inline std::error_code err(errc e) { return make_error_code(e); }

}  // namespace iris::mqtt::test
