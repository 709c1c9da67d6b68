// ring_sim: the cell's consistent-hash ring at internet scale (issue 18 "Simulation").
//
//   ring_sim [--servers 1000] [--tokens 2048] [--users 100000000]
//
// Builds a ring of `servers` members named irisd-0.. with `tokens` default tokens each, places
// `users` user ids (1..users) on it and prints, as `key value` lines:
//   max_over_mean      the most loaded server's user count over the mean
//   share_max_over_mean the same from the servers' arcs (the limit for many users)
//   moved_fraction     users whose owner changes when one server (the middle one) leaves
//   moved_not_own      of those, users that the leaver did not own (0 for a consistent ring)
//   join_moved_fraction users whose owner changes when a new server joins
//   join_moved_elsewhere of those, users that went anywhere but the new server (0 expected)
//   lookup_ns          mean time of one owner lookup
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cluster/ring.h"
#include "cluster/ring_hash.h"

using iris::cluster::Ring;
using iris::cluster::ServerInfo;

namespace {

std::uint64_t arg(int argc, char** argv, const char* name, std::uint64_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::strtoull(argv[i + 1], nullptr, 10);
  return fallback;
}

ServerInfo member(std::size_t i, std::uint32_t tokens) {
  std::string name = "irisd-" + std::to_string(i);
  auto t = iris::cluster::default_tokens(name, tokens);
  return {std::move(name), "", std::move(t)};
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t servers = arg(argc, argv, "--servers", 1000);
  const auto tokens = static_cast<std::uint32_t>(arg(argc, argv, "--tokens", iris::cluster::kDefaultTokens));
  const std::uint64_t users = arg(argc, argv, "--users", 100'000'000);
  if (servers < 2 || tokens == 0 || users == 0) {
    std::fprintf(stderr, "usage: ring_sim [--servers N>=2] [--tokens T>=1] [--users U>=1]\n");
    return 2;
  }

  std::vector<ServerInfo> all;
  for (std::size_t i = 0; i < servers; ++i) all.push_back(member(i, tokens));
  const Ring ring(all);
  const std::size_t leaver = servers / 2;
  const std::string leaver_name = "irisd-" + std::to_string(leaver);
  std::vector<ServerInfo> without = all;
  without.erase(std::find_if(without.begin(), without.end(),
                             [&](const ServerInfo& s) { return s.name == leaver_name; }));
  const Ring smaller(without);
  std::vector<ServerInfo> with = all;
  with.push_back(member(servers, tokens));
  const Ring larger(with);
  const std::string joiner_name = "irisd-" + std::to_string(servers);

  // Each ring sorts its servers by name; compare owners by name through per-ring index maps.
  auto names = [](const Ring& r) {
    std::vector<const std::string*> n;
    for (const auto& s : r.servers()) n.push_back(&s.name);
    return n;
  };
  const auto n0 = names(ring), n1 = names(smaller), n2 = names(larger);

  std::vector<std::uint64_t> load(servers, 0);
  std::uint64_t moved = 0, moved_not_own = 0, join_moved = 0, join_elsewhere = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t u = 1; u <= users; ++u) {
    const auto pos = iris::cluster::mix64(u);
    const std::size_t o = *ring.owner_of_position(pos);
    const std::size_t s = *smaller.owner_of_position(pos);
    const std::size_t l = *larger.owner_of_position(pos);
    ++load[o];
    if (*n0[o] != *n1[s]) {
      ++moved;
      if (*n0[o] != leaver_name) ++moved_not_own;
    }
    if (*n0[o] != *n2[l]) {
      ++join_moved;
      if (*n2[l] != joiner_name) ++join_elsewhere;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const double mean = static_cast<double>(users) / static_cast<double>(servers);
  const double max = static_cast<double>(*std::max_element(load.begin(), load.end()));
  std::printf("servers %zu\ntokens %u\nusers %llu\n", servers, tokens, static_cast<unsigned long long>(users));
  std::printf("max_over_mean %.4f\n", max / mean);
  const auto shares = ring.shares();  // the limit as users grow: each server's arc of the space
  std::printf("share_max_over_mean %.4f\n",
              *std::max_element(shares.begin(), shares.end()) * static_cast<double>(servers));
  std::printf("moved_fraction %.6f\n", static_cast<double>(moved) / static_cast<double>(users));
  std::printf("moved_bound %.6f\n", 1.2 / static_cast<double>(servers));
  std::printf("moved_not_own %llu\n", static_cast<unsigned long long>(moved_not_own));
  std::printf("join_moved_fraction %.6f\n", static_cast<double>(join_moved) / static_cast<double>(users));
  std::printf("join_moved_elsewhere %llu\n", static_cast<unsigned long long>(join_elsewhere));
  std::printf("lookup_ns %.1f\n", seconds * 1e9 / (3.0 * static_cast<double>(users)));
  return 0;
}
