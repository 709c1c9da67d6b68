#include "ops/metrics_text.h"

#include <charconv>
#include <cstdlib>

namespace iris::ops {
namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
}

}  // namespace

std::map<std::string, double, std::less<>> sum_samples(std::string_view text, std::size_t max_lines) {
  std::map<std::string, double, std::less<>> out;
  std::size_t lines = 0;
  while (!text.empty() && lines++ < max_lines) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    std::size_t i = 0;
    while (i < line.size() && name_char(line[i])) ++i;
    if (i == 0) continue;
    const std::string_view name = line.substr(0, i);
    if (i < line.size() && line[i] == '{') {
      const std::size_t close = line.find('}', i);
      if (close == std::string_view::npos) continue;
      i = close + 1;
    }
    while (i < line.size() && line[i] == ' ') ++i;
    std::string_view value = line.substr(i);
    value = value.substr(0, value.find(' '));  // a timestamp may follow
    if (value.empty()) continue;
    // strtod for NaN/+Inf spellings; from_chars for plain numbers is the common case.
    double v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || end != value.data() + value.size()) {
      const std::string copy(value);
      char* stop = nullptr;
      v = std::strtod(copy.c_str(), &stop);
      if (stop != copy.c_str() + copy.size()) continue;
    }
    out[std::string(name)] += v;
  }
  return out;
}

std::optional<double> value_of(const std::map<std::string, double, std::less<>>& samples, std::string_view name) {
  const auto it = samples.find(name);
  if (it == samples.end()) return std::nullopt;
  return it->second;
}

}  // namespace iris::ops
