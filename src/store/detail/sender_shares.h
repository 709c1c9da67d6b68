#pragma once
// SenderShares: how many of the updates a queue retains each other user's requests put
// there, for the per-sender share of a queue (StoreOptions::max_sender_share, issue 23):
// a sender that fills its share of someone's queue is refused (core::errc::share_full)
// while everyone else, the queue's owner first, goes on appending.
//
// Counts are kept only for queues longer than the share (a shorter queue cannot hold more
// than the share from anyone), loaded by one scan of the queue when it first needs them,
// then kept up to date by the appends; a trim forgets them (the next check scans again).
// In a backend that groups appends into one commit, a scan sees only committed updates, so
// a share may be overrun by the sender's appends in the group during which its counts were
// loaded: a few requests, never a growing amount. Not thread-safe: owned by the store's
// commit thread (or under its lock).

#include <cstdint>
#include <functional>
#include <unordered_map>

#include "base/result.h"
#include "core/errc.h"
#include "core/ids.h"

namespace iris::store::detail {

class SenderShares {
 public:
  using Counts = std::unordered_map<core::UserId, std::uint64_t>;  // by actor
  // Counts the actors of `owner`'s retained updates, or fails (an I/O error).
  using Scan = std::function<Result<Counts>(core::UserId owner)>;

  // `max_share` 0: no share, every check passes.
  explicit SenderShares(std::uint64_t max_share) : max_share_(max_share) {}

  // Whether `actor` may append `n` more updates to `owner`'s queue, which retains `retained`
  // updates now: share_full when its count would pass the share. The owner's own updates
  // are never limited by a share (only by max_queue_length).
  Result<void> check(core::UserId owner, std::uint64_t retained, core::UserId actor,
                     std::uint64_t n, const Scan& scan);
  // `actor` appended `n` updates to `owner`'s queue.
  void added(core::UserId owner, core::UserId actor, std::uint64_t n);
  // `owner`'s queue was trimmed (or its counts can no longer be trusted).
  void forget(core::UserId owner) { counts_.erase(owner); }
  // A group commit failed: counts may hold updates that were never written.
  void forget_all() { counts_.clear(); }

 private:
  std::uint64_t max_share_;
  std::unordered_map<core::UserId, Counts> counts_;  // only queues longer than the share
};

}  // namespace iris::store::detail
