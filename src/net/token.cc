#include "net/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <stdexcept>

#include "net/errc.h"

namespace iris::net {
namespace {

constexpr std::string_view kPrefix = "v1.";
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(in[k])); };
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (const auto rest = in.size() - i; rest > 0) {
    std::uint32_t v = byte(i) << 16;
    if (rest == 2) v |= byte(i + 1) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

// Accepts only the canonical encoding (the one b64url_encode produces): the spare low bits of
// the last character (2 of them after 2 bytes of a group, 4 after 1) must be zero. Otherwise
// four spellings of every MAC would verify, and a token could be altered and still pass.
bool b64url_decode(std::string_view in, std::string& out) {
  if (in.size() % 4 == 1) return false;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return (acc & ((1u << bits) - 1)) == 0;
}

std::string mac(const std::string& secret, std::string_view signed_part) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size(), md.data(), &len);
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

}  // namespace

std::string TokenSigner::issue(const TokenClaims& c) const {
  const std::string payload = c.user + "\n" + c.device + "\n" + std::to_string(c.expires.time_since_epoch().count());
  std::string token = std::string(kPrefix) + b64url_encode(payload);
  const std::string m = mac(secret_, token);
  return token + "." + b64url_encode(m);
}

Result<TokenClaims> TokenSigner::verify(std::string_view token, std::chrono::sys_seconds now) const {
  if (token.size() > 4096 || !token.starts_with(kPrefix)) return fail(errc::bad_token);
  const auto dot = token.rfind('.');
  if (dot < kPrefix.size()) return fail(errc::bad_token);
  const std::string_view signed_part = token.substr(0, dot);
  std::string given;
  if (!b64url_decode(token.substr(dot + 1), given)) return fail(errc::bad_token);
  const std::string expect = mac(secret_, signed_part);
  if (given.size() != expect.size() || CRYPTO_memcmp(given.data(), expect.data(), expect.size()) != 0) {
    return fail(errc::bad_token);
  }
  std::string payload;
  if (!b64url_decode(signed_part.substr(kPrefix.size()), payload)) return fail(errc::bad_token);
  const auto nl1 = payload.find('\n');
  const auto nl2 = nl1 == std::string::npos ? nl1 : payload.find('\n', nl1 + 1);
  if (nl2 == std::string::npos) return fail(errc::bad_token);
  TokenClaims c;
  c.user = payload.substr(0, nl1);
  c.device = payload.substr(nl1 + 1, nl2 - nl1 - 1);
  std::int64_t expires = 0;
  const char* first = payload.data() + nl2 + 1;
  const char* last = payload.data() + payload.size();
  auto [p, ec] = std::from_chars(first, last, expires);
  if (ec != std::errc() || p != last) return fail(errc::bad_token);
  c.expires = std::chrono::sys_seconds{std::chrono::seconds{expires}};
  if (c.expires <= now) return fail(errc::token_expired);
  return c;
}

std::string generate_secret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed: cannot generate a server secret");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace iris::net
