// libFuzzer target: arbitrary bytes into the Decoder, split into arbitrary reads. Every
// packet it accepts must survive encode -> decode unchanged (the encoder writes only what
// the decoder accepts), and nothing may crash, leak or read out of bounds.
// Input: byte 0 picks the starting version (unknown / 3.1.1 / 5.0) and the read size.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "mqtt/decoder.h"
#include "mqtt/encoder.h"

using namespace iris::mqtt;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  std::optional<Version> version;
  if (mode % 3 == 1) version = Version::v3_1_1;
  if (mode % 3 == 2) version = Version::v5;
  const std::size_t chunk = 1 + (mode >> 2);
  Decoder decoder(64 * 1024, version);
  std::span<const std::uint8_t> rest(data + 1, size - 1);
  while (!rest.empty()) {
    const std::size_t n = std::min(chunk, rest.size());
    decoder.put(rest.first(n));
    rest = rest.subspan(n);
    while (true) {
      auto next = decoder.next();
      if (!next) return 0;
      if (!*next) break;
      const Packet& p = **next;
      const Version v = decoder.version().value_or(Version::v5);
      const Bytes bytes = encode(p, v);
      if (bytes.size() != encoded_size(p, v)) std::abort();
      Decoder again(0xFFFFFFFF, v);
      again.put(bytes);
      auto back = again.next();
      if (!back || !*back || !(**back == p)) std::abort();
    }
  }
  return 0;
}
