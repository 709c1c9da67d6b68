// libFuzzer target: every stored value decoder, on arbitrary bytes. Whatever decodes must
// re-encode to the same bytes (the format has one encoding per value).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/detail/record_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace iris;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string out;
  if (auto u = store::detail::decode_update(in, core::Seq{1})) {
    store::detail::encode_update(*u, out);
    if (out != in) std::abort();
  }
  if (auto m = store::detail::decode_meta(in)) {
    out.clear();
    store::detail::encode_meta(*m, out);
    if (out != in) std::abort();
  }
  if (auto r = store::detail::decode_idempotency(in)) {
    out.clear();
    store::detail::encode_idempotency(*r, out);
    if (out != in) std::abort();
  }
  return 0;
}
