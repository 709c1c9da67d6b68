#include "mail/detail/digest.h"

#include <openssl/evp.h>

#include <memory>

#include "base/assert.h"

namespace iris::mail::detail {

std::array<std::uint8_t, 32> digest(std::initializer_list<std::string_view> pieces) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  IRIS_ASSERT(ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1, "SHA-256 unavailable");
  for (std::string_view p : pieces) {
    unsigned char len[8];
    std::uint64_t n = p.size();
    for (int i = 7; i >= 0; --i, n >>= 8) len[i] = static_cast<unsigned char>(n & 0xFF);
    EVP_DigestUpdate(ctx.get(), len, sizeof len);
    EVP_DigestUpdate(ctx.get(), p.data(), p.size());
  }
  std::array<std::uint8_t, 32> out{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), out.data(), &size);
  return out;
}

std::uint64_t first64(const std::array<std::uint8_t, 32>& d, std::size_t offset) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | d[offset + i];
  return v;
}

}  // namespace iris::mail::detail
