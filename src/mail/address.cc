#include "mail/address.h"

#include "mail/detail/digest.h"
#include "mail/errc.h"

namespace iris::mail {
namespace {

constexpr std::uint64_t kExternalBit = std::uint64_t{1} << 63;
constexpr std::size_t kMaxAddressBytes = 254;

}  // namespace

Result<std::string> normalize_address(std::string_view address) {
  if (address.size() >= 2 && address.front() == '<' && address.back() == '>') {
    address = address.substr(1, address.size() - 2);
  }
  if (address.empty() || address.size() > kMaxAddressBytes) return fail(errc::bad_address);
  std::string out;
  out.reserve(address.size());
  std::size_t ats = 0;
  for (char c : address) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '<' || c == '>') return fail(errc::bad_address);
    if (c == '@') ++ats;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  const auto at = out.find('@');
  if (ats != 1 || at == 0 || at + 1 == out.size()) return fail(errc::bad_address);
  return out;
}

Result<core::UserId> recipient_user(std::string_view address, std::string_view domain) {
  auto normalized = normalize_address(address);
  if (!normalized) return fail(normalized.error());
  const std::string_view a = *normalized;
  const auto at = a.find('@');
  const std::string_view local = a.substr(0, at);
  const std::string_view dom = a.substr(at + 1);
  if (!domain.empty()) {
    if (dom.size() != domain.size()) return fail(errc::unknown_recipient);
    for (std::size_t i = 0; i < dom.size(); ++i) {
      char d = domain[i];
      if (d >= 'A' && d <= 'Z') d = static_cast<char>(d - 'A' + 'a');
      if (dom[i] != d) return fail(errc::unknown_recipient);
    }
  }
  const auto id = core::parse_id(local);
  // 0 and 2^64-1 are never participants (request_planner.h); external ids have no mailbox.
  if (!id || *id == 0 || *id == ~std::uint64_t{0} || (*id & kExternalBit) != 0) {
    return fail(errc::unknown_recipient);
  }
  return core::UserId{*id};
}

core::UserId external_user(std::string_view normalized_address) {
  std::uint64_t v = kExternalBit | detail::first64(detail::digest({"mail", normalized_address}));
  if (v == ~std::uint64_t{0}) v ^= 1;  // 2^64-1 is never a participant
  return core::UserId{v};
}

bool is_external(core::UserId user) { return (user.value() & kExternalBit) != 0; }

}  // namespace iris::mail
