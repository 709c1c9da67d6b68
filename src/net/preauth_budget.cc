#include "net/preauth_budget.h"

#include <string_view>

#include "base/assert.h"

namespace iris::net {

PreauthBudget::Source PreauthBudget::source_of(const boost::asio::ip::address& address) {
  Source s{};
  if (address.is_v6() && !address.to_v6().is_v4_mapped()) {
    const auto bytes = address.to_v6().to_bytes();
    for (std::size_t i = 0; i < 8; ++i) s[i] = bytes[i];  // the /64 prefix
    return s;
  }
  const auto v4 = address.is_v4() ? address.to_v4()
                                   : boost::asio::ip::make_address_v4(
                                         boost::asio::ip::v4_mapped, address.to_v6());
  s[0] = s[1] = s[2] = s[3] = 0xFF;  // no IPv6 /64 prefix starts so (ff00::/8 is multicast)
  const auto bytes = v4.to_bytes();
  for (std::size_t i = 0; i < 4; ++i) s[4 + i] = bytes[i];
  return s;
}

std::size_t PreauthBudget::SourceHash::operator()(const Source& s) const {
  return std::hash<std::string_view>{}(
      std::string_view(reinterpret_cast<const char*>(s.data()), s.size()));
}

PreauthBudget::Verdict PreauthBudget::admit(const Source& source) {
  if (max_total_ != 0 && total_ >= max_total_) return Verdict::total_full;
  const auto it = by_source_.find(source);
  const std::size_t held = it == by_source_.end() ? 0 : it->second;
  if (max_per_source_ != 0 && held >= max_per_source_) return Verdict::source_full;
  ++total_;
  if (it == by_source_.end()) {
    by_source_.emplace(source, 1);
  } else {
    ++it->second;
  }
  return Verdict::admitted;
}

void PreauthBudget::release(const Source& source) {
  const auto it = by_source_.find(source);
  IRIS_ASSERT(it != by_source_.end() && total_ > 0, "pre-auth slot released twice");
  --total_;
  if (--it->second == 0) by_source_.erase(it);
}

std::size_t PreauthBudget::held_by(const Source& source) const {
  const auto it = by_source_.find(source);
  return it == by_source_.end() ? 0 : it->second;
}

}  // namespace iris::net
