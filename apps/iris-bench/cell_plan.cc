#include "apps/iris-bench/cell_plan.h"

#include <deque>
#include <map>
#include <stdexcept>

#include "cluster/ring.h"
#include "cluster/ring_hash.h"

namespace iris::bench {

std::vector<PlannedUser> plan_pairs(const std::vector<std::string>& servers, std::uint32_t tokens,
                                    std::uint64_t first_user, std::size_t users, PairMix mix) {
  if (servers.empty()) throw std::runtime_error("cell plan: no servers");
  if (users == 0 || users % 2 != 0) throw std::runtime_error("cell plan: users must be even and positive");
  if (mix == PairMix::cross && servers.size() < 2) throw std::runtime_error("cell plan: cross pairs need two servers");
  std::vector<cluster::ServerInfo> infos;
  std::map<std::string, std::size_t, std::less<>> index;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    if (!index.emplace(servers[i], i).second) throw std::runtime_error("cell plan: server " + servers[i] + " twice");
    infos.push_back(cluster::ServerInfo{servers[i], "", cluster::default_tokens(servers[i], tokens)});
  }
  const cluster::Ring ring(std::move(infos));
  const auto owner = [&](std::uint64_t u) { return index.find(ring.owner_name(core::UserId{u}))->second; };

  std::vector<PlannedUser> plan;
  plan.reserve(users);
  // Users seen but not yet paired, per owner.
  std::vector<std::deque<std::uint64_t>> waiting(servers.size());
  const std::uint64_t last = first_user + users * 1000;
  for (std::uint64_t u = first_user; plan.size() < users; ++u) {
    if (u == last) throw std::runtime_error("cell plan: no such pairs within 1,000 ids per user");
    const std::size_t s = owner(u);
    if (mix == PairMix::mixed) {
      plan.push_back({core::UserId{u}, s});
      continue;
    }
    std::size_t partner = servers.size();  // none
    if (mix == PairMix::local) {
      if (!waiting[s].empty()) partner = s;
    } else {
      // The next other server in turn after s that has a user waiting.
      for (std::size_t k = 1; k < servers.size() && partner == servers.size(); ++k) {
        if (!waiting[(s + k) % servers.size()].empty()) partner = (s + k) % servers.size();
      }
    }
    if (partner == servers.size()) {
      waiting[s].push_back(u);
      continue;
    }
    plan.push_back({core::UserId{waiting[partner].front()}, partner});
    waiting[partner].pop_front();
    plan.push_back({core::UserId{u}, s});
  }
  return plan;
}

std::size_t cross_pairs(const std::vector<PlannedUser>& plan) {
  std::size_t n = 0;
  for (std::size_t i = 0; i + 1 < plan.size(); i += 2) n += plan[i].server != plan[i + 1].server ? 1 : 0;
  return n;
}

}  // namespace iris::bench
