// libFuzzer target: every stored value decoder, on arbitrary bytes. Whatever decodes must
// re-encode to the same bytes (the format has one encoding per value), except an update in an
// older record version (record_codec.h: version 1 edits and deletes are read, and written as
// version 2): its encoding must read back to the same update and re-encode to itself.
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
    if (out != in) {
      const auto again = store::detail::decode_update(out, core::Seq{1});
      if (!again || !(*again == *u)) std::abort();
      std::string twice;
      store::detail::encode_update(*again, twice);
      if (twice != out) std::abort();
    }
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
