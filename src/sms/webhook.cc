#include "sms/webhook.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>

#include "base/utf8.h"
#include "mail/text_extract.h"
#include "sms/errc.h"

namespace iris::sms {
namespace {

constexpr std::uint64_t kExternalBit = std::uint64_t{1} << 63;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

// SHA-256 of the pieces, each preceded by its length (so ("ab","c") and ("a","bc") differ).
std::array<unsigned char, 32> digest(std::initializer_list<std::string_view> pieces) {
  std::string data;
  for (auto p : pieces) data.append(std::to_string(p.size())).append(":").append(p);
  std::array<unsigned char, 32> d{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return d;
}

std::uint64_t first64(const std::array<unsigned char, 32>& d, std::size_t offset = 0) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | d[offset + i];
  return v;
}

core::ClientMsgId key_of(const std::array<unsigned char, 32>& d) { return core::ClientMsgId{first64(d, 0), first64(d, 8)}; }

// The one value of `name` in `form`: nullopt when absent or repeated.
std::optional<std::string> field(const Form& form, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [k, v] : form) {
    if (k != name) continue;
    if (found) return std::nullopt;
    found = v;
  }
  return found;
}

}  // namespace

Result<Form> parse_form(std::string_view body, std::size_t max_fields) {
  Form form;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    if (form.size() >= max_fields) return fail(errc::bad_form);
    const auto eq = pair.find('=');
    auto name = decode(pair.substr(0, eq));
    auto value = decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value || name->empty()) return fail(errc::bad_form);
    form.emplace_back(std::move(*name), std::move(*value));
  }
  return form;
}

std::string encode_form(const Form& form) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  auto put = [&out](std::string_view s) {
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '_' || c == '~') {
        out += ch;
      } else if (c == ' ') {
        out += '+';
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  };
  for (const auto& [k, v] : form) {
    if (!out.empty()) out += '&';
    put(k);
    out += '=';
    put(v);
  }
  return out;
}

std::string signature(std::string_view token, std::string_view url, const Form& form) {
  Form sorted = form;
  std::sort(sorted.begin(), sorted.end());
  std::string data(url);
  for (const auto& [k, v] : sorted) data.append(k).append(v);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  HMAC(EVP_sha1(), token.data(), static_cast<int>(token.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md.data(), &len);
  return base64(md.data(), len);
}

bool signature_ok(std::string_view token, std::string_view url, const Form& form, std::string_view header) {
  const std::string expected = signature(token, url, form);
  // The length of a SHA-1 signature is public; only the bytes are compared in constant time.
  if (token.empty() || header.size() != expected.size()) return false;
  return CRYPTO_memcmp(expected.data(), header.data(), expected.size()) == 0;
}

Result<std::string> normalize_number(std::string_view number) {
  std::string out;
  for (const char c : number) {
    if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') continue;
    if (out.size() > 16) return fail(errc::bad_number);
    out += c;
  }
  if (out.size() < 9 || out.size() > 16 || out[0] != '+' || out[1] == '0') return fail(errc::bad_number);
  if (!std::all_of(out.begin() + 1, out.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return fail(errc::bad_number);
  }
  return out;
}

core::UserId external_user(std::string_view normalized_number) {
  std::uint64_t v = kExternalBit | first64(digest({"sms", normalized_number}));
  if (v == ~std::uint64_t{0}) v ^= 1;  // 2^64-1 is never a participant
  return core::UserId{v};
}

Result<Inbound> inbound(const Form& form, std::size_t max_body_bytes) {
  auto from = field(form, "From");
  auto to = field(form, "To");
  auto body = field(form, "Body");
  auto sid = field(form, "MessageSid");
  if (!sid) sid = field(form, "SmsSid");
  if (!from || !to || !body || !sid || sid->empty() || sid->size() > 64) return fail(errc::bad_form);
  if (!std::all_of(sid->begin(), sid->end(), [](char c) { return c > ' ' && c < 127; })) return fail(errc::bad_form);
  auto f = normalize_number(*from);
  auto t = normalize_number(*to);
  if (!f || !t || !is_valid_utf8(*body, Nul::allowed)) return fail(errc::bad_form);
  return Inbound{std::move(*f), std::move(*t), mail::clip_utf8(*body, max_body_bytes), std::move(*sid)};
}

core::ClientMsgId thread_key(std::string_view from, core::UserId to) {
  return key_of(digest({"sms-thread", from, std::to_string(to.value())}));
}

core::ClientMsgId message_key(std::string_view sid) { return key_of(digest({"sms-sid", sid})); }

std::string basic_auth(std::string_view user, std::string_view password) {
  const std::string plain = std::string(user) + ":" + std::string(password);
  return "Basic " + base64(reinterpret_cast<const unsigned char*>(plain.data()), plain.size());
}

}  // namespace iris::sms
