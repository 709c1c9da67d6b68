#pragma once
// FanoutTracker: the forwarder's memory of the pending fan-out it is delivering
// (docs/CLUSTER.md "Sends across servers"). Pure and single-threaded (the forwarder's).
//
// The store's rows are the truth (store::FanoutNote): this table only says which rows are in
// hand now, so that the periodic scan of the rows does not send one twice at once. A row is
// removed from the store (the fan-out pointer advances) only once every owner it was split
// over confirmed its share; anything that fails, at any owner, is simply forgotten here, and
// the next scan finds its row again and sends it whole: the receivers' idempotency keys make
// the repeat append nothing twice.

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/ids.h"

namespace iris::sync {

struct FanoutKey {
  core::UserId sender;
  core::Seq seq;  // in the sender's queue
  auto operator<=>(const FanoutKey&) const = default;
};

class FanoutTracker {
 public:
  // At most `max_items` rows in hand (cluster.fanout_max_pending); beyond, admit refuses and
  // the row waits in the store.
  explicit FanoutTracker(std::size_t max_items) : max_items_(max_items) {}

  // Takes `key`, split over `owners` (one or more server names). False, tracking nothing,
  // when it is in hand already or the table is full.
  bool admit(FanoutKey key, std::set<std::string> owners);
  // `owner` confirmed its share of `key`. True when it was the last: the caller removes the
  // row from the store, and calls removed() once that is done; until then the key stays in
  // hand (a scan meanwhile must not send it again).
  bool confirmed(FanoutKey key, const std::string& owner);
  // The store removed the row (or failed to: then the next scan sends it again).
  void removed(FanoutKey key) { items_.erase(key); }
  // A share of `key` could not be delivered (refused, link lost, queue full): forgotten whole.
  // Shares still in flight elsewhere may confirm later; those confirmations are ignored.
  void failed(FanoutKey key);
  // Every key with a share outstanding at `owner` (its link went down): each is failed().
  std::vector<FanoutKey> fail_owner(const std::string& owner);

  bool tracking(FanoutKey key) const { return items_.count(key) != 0; }
  std::size_t size() const { return items_.size(); }

 private:
  struct Item {
    std::set<std::string> outstanding;  // empty: confirmed everywhere, row being removed
  };
  std::size_t max_items_;
  std::map<FanoutKey, Item> items_;
};

}  // namespace iris::sync
