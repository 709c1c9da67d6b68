#include "net/blob_http.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "store/blob/blob_errc.h"

namespace iris::net {
namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::optional<store::ByteRange>> parse_byte_range(std::string_view header, std::uint64_t size) {
  using Whole = std::optional<store::ByteRange>;
  header = trim(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() <= kUnit.size()) return Whole{};
  for (std::size_t i = 0; i < kUnit.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kUnit[i]) return Whole{};
  }
  const std::string_view spec = trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return Whole{};
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return Whole{};
  const std::string_view first_text = trim(spec.substr(0, dash));
  const std::string_view last_text = trim(spec.substr(dash + 1));
  if (first_text.empty()) {
    // A suffix: the last N bytes.
    const auto n = number(last_text);
    if (!n) return Whole{};
    if (*n == 0 || size == 0) return fail(store::blob_errc::bad_range);
    const std::uint64_t len = std::min(*n, size);
    return Whole{store::ByteRange{size - len, len}};
  }
  const auto first = number(first_text);
  if (!first) return Whole{};
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    const auto l = number(last_text);
    if (!l || *l < *first) return Whole{};  // invalid: ignored (RFC 9110 §14.1.1)
    last = std::min(*l, last);
  }
  if (*first >= size) return fail(store::blob_errc::bad_range);
  return Whole{store::ByteRange{*first, last - *first + 1}};
}

std::string upload_answer(const store::UploadedBlob& blob) {
  // The type passed BlobService::media_type: token characters only, nothing to escape.
  return "{\"blob\":\"" + blob.id.to_hex() + "\",\"size\":" + std::to_string(blob.size) +
         ",\"content_type\":\"" + blob.type + "\",\"deduplicated\":" + (blob.fresh ? "false" : "true") + "}";
}

}  // namespace iris::net
