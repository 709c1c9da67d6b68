#include "cluster/ring_hash.h"

namespace iris::cluster {

std::vector<std::uint64_t> default_tokens(std::string_view name, std::uint32_t count) {
  std::vector<std::uint64_t> tokens;
  tokens.reserve(count);
  const std::uint64_t seed = fnv1a64(name);
  for (std::uint32_t i = 0; i < count; ++i) {
    tokens.push_back(mix64(seed + (std::uint64_t{i} + 1) * 0x9e3779b97f4a7c15ULL));
  }
  return tokens;
}

}  // namespace iris::cluster
