// libFuzzer target for both decoders. The first byte picks the codec (even: Thrift compact,
// odd: JSON) and the rest is the payload, decoded as an Envelope with limits small enough
// that the fuzzer can reach them. Whatever decodes must survive a round trip unchanged, in
// its own encoding and in the other one (the encodings carry the same information).

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wire/codec.h"
#include "wire/json_codec.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace iris::wire;
  if (size == 0) return 0;
  Limits limits;
  limits.max_message_bytes = 64 << 10;
  limits.max_string_bytes = 1 << 10;
  limits.max_list_size = 256;
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto decoded =
      data[0] % 2 == 0 ? decode<Message>(payload, limits) : decode_json<Message>(payload, limits);
  if (!decoded) return 0;
  const auto via_thrift = decode<Message>(encode(*decoded));
  check(via_thrift && *via_thrift == *decoded);
  const auto via_json = decode_json<Message>(encode_json(*decoded));
  check(via_json && *via_json == *decoded);
  return 0;
}
