#include "cluster/owned_queue_store.h"

#include <algorithm>

#include "store/errc.h"

namespace iris::cluster {

OwnedQueueStore::OwnedQueueStore(store::QueueStore& inner, SnapshotSource snapshot)
    : inner_(inner), snapshot_(std::move(snapshot)) {}

void OwnedQueueStore::record(core::UserId user, std::uint64_t version, const Result<void>& outcome) {
  std::lock_guard lock(mu_);
  Entry& e = claims_[user];
  if (e.version > version) return;  // a claim at a newer ring already answered
  e.version = version;
  if (outcome) e.state = State::claimed;
  else e.state = outcome.error() == store::errc::not_owner ? State::refused : State::pending;
  if (!outcome && e.state == State::pending) e.version = 0;  // not claimed: try again next time
}

void OwnedQueueStore::async_claim(core::UserId user, std::uint64_t term, VoidCallback done) {
  inner_.async_claim(user, term, [this, user, term, done = std::move(done)](Result<void> r) {
    record(user, term, r);
    done(std::move(r));
  });
}

void OwnedQueueStore::claim_ahead(core::UserId user, const CellSnapshot& snapshot) {
  if (!snapshot.owns(user)) return;
  {
    std::lock_guard lock(mu_);
    Entry& e = claims_[user];
    if (e.version == snapshot.version) return;  // claimed, refused or under way at this ring
    e = Entry{snapshot.version, State::pending};
  }
  async_claim(user, snapshot.version, [](Result<void>) {});
}

bool OwnedQueueStore::refused(core::UserId user, std::uint64_t version) const {
  std::lock_guard lock(mu_);
  const auto it = claims_.find(user);
  return it != claims_.end() && it->second.version == version && it->second.state == State::refused;
}

void OwnedQueueStore::forget(core::UserId user) {
  std::lock_guard lock(mu_);
  claims_.erase(user);
}

void OwnedQueueStore::async_append(store::AppendRequest request, AppendCallback done) {
  const auto snapshot = snapshot_ ? snapshot_() : nullptr;
  std::vector<core::UserId> wanted;
  if (snapshot) {
    std::lock_guard lock(mu_);
    for (const auto& e : request.entries) {
      if (!snapshot->owns(e.user) || std::find(wanted.begin(), wanted.end(), e.user) != wanted.end()) continue;
      const auto it = claims_.find(e.user);
      if (it != claims_.end() && it->second.version == snapshot->version && it->second.state == State::claimed) {
        continue;
      }
      wanted.push_back(e.user);
    }
  }
  if (wanted.empty()) {
    if (!snapshot) return inner_.async_append(std::move(request), std::move(done));
    // Claimed here, refused by the store: another server claimed the user since (this
    // server's ring is behind). Remembered, so the user's devices are sent away.
    std::vector<core::UserId> mine;
    for (const auto& e : request.entries) {
      if (snapshot->owns(e.user)) mine.push_back(e.user);
    }
    return inner_.async_append(std::move(request), [this, mine = std::move(mine), version = snapshot->version,
                                                    done = std::move(done)](Result<store::AppendResult> r) {
      if (!r && r.error() == store::errc::not_owner) {
        for (const auto u : mine) record(u, version, fail(store::errc::not_owner));
      }
      done(std::move(r));
    });
  }

  // Every claim completes on the store's thread, in submission order; the last one passes the
  // append on (or fails it with the first refusal).
  struct Pending {
    store::AppendRequest request;
    AppendCallback done;
    std::uint64_t version;
    std::vector<std::pair<core::UserId, Result<void>>> outcomes;
    std::size_t left;
  };
  auto pending = std::make_shared<Pending>(
      Pending{std::move(request), std::move(done), snapshot->version, {}, wanted.size()});
  for (const auto user : wanted) {
    inner_.async_claim(user, pending->version, [this, user, pending](Result<void> r) {
      pending->outcomes.emplace_back(user, std::move(r));
      if (--pending->left > 0) return;
      // Passed on before the cache says "claimed", so no later append of these users can
      // overtake it.
      const auto refused = std::find_if(pending->outcomes.begin(), pending->outcomes.end(),
                                        [](const auto& o) { return !o.second; });
      if (refused != pending->outcomes.end()) pending->done(fail(refused->second.error()));
      else inner_.async_append(std::move(pending->request), std::move(pending->done));
      for (const auto& [u, outcome] : pending->outcomes) record(u, pending->version, outcome);
    });
  }
}

}  // namespace iris::cluster
