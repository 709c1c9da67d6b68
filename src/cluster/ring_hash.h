#pragma once
// The ring's positions. Every server of a cell must compute the same ring from the same
// membership, whatever its build, so these functions are part of the cell's protocol
// (docs/CLUSTER.md "The ring"): changing them is a new cell version, never a refactor.
//  - a user sits at mix64(user id);
//  - a server's i-th default token is mix64(fnv1a64(server name) + (i + 1) * golden ratio).
// mix64 is the SplitMix64 finalizer: a bijection on 64 bits, so distinct user ids never
// collide and consecutive ids land far apart.

#include <cstdint>
#include <string_view>
#include <vector>

namespace iris::cluster {

constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Tokens per server unless configured. A server's load is the sum of its arcs, whose spread
// shrinks as 1/sqrt(tokens): at 1,000 servers the most loaded one holds 1.145x the mean with
// 512 tokens, 1.109x with 1,024 and 1.075x with 2,048 (bench/ring_sim.cc), and the goal is
// <= 1.10. A ring of 10 servers is then 20,480 points, 240 KiB with its lookup table.
inline constexpr std::uint32_t kDefaultTokens = 2048;

// The `count` tokens a server named `name` registers unless told otherwise. Deterministic,
// so a restarted server takes back exactly the ranges it had.
std::vector<std::uint64_t> default_tokens(std::string_view name, std::uint32_t count);

}  // namespace iris::cluster
