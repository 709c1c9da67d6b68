#include "apps/iris-bench/args.h"

#include <charconv>
#include <stdexcept>
#include <string_view>

namespace iris::bench {

Args::Args(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string_view a = argv[i];
    if (!a.starts_with("--")) throw std::runtime_error("expected a --flag, got '" + std::string(a) + "'");
    a.remove_prefix(2);
    if (const auto eq = a.find('='); eq != std::string_view::npos) {
      values_[std::string(a.substr(0, eq))] = std::string(a.substr(eq + 1));
    } else if (i + 1 < argc) {
      values_[std::string(a)] = argv[++i];
    } else {
      throw std::runtime_error("--" + std::string(a) + ": missing value");
    }
  }
}

std::optional<std::string> Args::get(const std::string& key) {
  used_.insert(key);
  const auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::str(const std::string& key, const std::string& fallback) {
  return get(key).value_or(fallback);
}

std::uint64_t Args::u64(const std::string& key, std::uint64_t fallback) {
  const auto v = get(key);
  if (!v) return fallback;
  std::uint64_t out = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size() || v->empty()) {
    throw std::runtime_error("--" + key + ": expected a non-negative integer, got '" + *v + "'");
  }
  return out;
}

double Args::f64(const std::string& key, double fallback) {
  const auto v = get(key);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    const double out = std::stod(*v, &used);
    if (used == v->size() && out >= 0) return out;
  } catch (const std::exception&) {
  }
  throw std::runtime_error("--" + key + ": expected a non-negative number, got '" + *v + "'");
}

void Args::check_all_used() const {
  for (const auto& [key, value] : values_) {
    if (!used_.contains(key)) throw std::runtime_error("unknown flag --" + key + " (see iris-bench --help)");
  }
}

}  // namespace iris::bench
