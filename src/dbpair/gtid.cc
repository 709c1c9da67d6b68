#include "dbpair/gtid.h"

#include <charconv>

#include "dbpair/errc.h"

namespace iris::dbpair {
namespace {

template <typename T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty() || s.size() > 20) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace

Result<GtidPos> GtidPos::parse(std::string_view text) {
  GtidPos pos;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (comma != std::string_view::npos && text.empty()) return fail(errc::bad_value);
    // SHOW SLAVE STATUS wraps long positions after the commas.
    while (!item.empty() && (item.front() == ' ' || item.front() == '\n')) item.remove_prefix(1);
    const auto d1 = item.find('-');
    const auto d2 = d1 == std::string_view::npos ? d1 : item.find('-', d1 + 1);
    if (d2 == std::string_view::npos) return fail(errc::bad_value);
    std::uint32_t domain = 0;
    Gtid gtid;
    if (!parse_number(item.substr(0, d1), domain) ||
        !parse_number(item.substr(d1 + 1, d2 - d1 - 1), gtid.server_id) ||
        !parse_number(item.substr(d2 + 1), gtid.seq)) {
      return fail(errc::bad_value);
    }
    if (!pos.domains_.emplace(domain, gtid).second) return fail(errc::bad_value);
  }
  return pos;
}

bool GtidPos::within(const GtidPos& other) const {
  for (const auto& [domain, gtid] : domains_) {
    const auto it = other.domains_.find(domain);
    if (it == other.domains_.end() || it->second.seq < gtid.seq) return false;
  }
  return true;
}

std::string GtidPos::to_string() const {
  std::string out;
  for (const auto& [domain, gtid] : domains_) {
    if (!out.empty()) out += ',';
    out += std::to_string(domain) + '-' + std::to_string(gtid.server_id) + '-' +
           std::to_string(gtid.seq);
  }
  return out;
}

}  // namespace iris::dbpair
