#pragma once
// SubscriptionTable: every subscription of a broker, as a trie of topic levels, so a
// PUBLISH is matched in time proportional to its topic's depth and the number of matching
// filters, not to the number of subscriptions (MQTT 5.0 §4.7). Owned by the Broker;
// single-threaded, like the shard that owns the broker.
//
// A subscriber holds at most one subscription per filter (MQTT-3.8.4-3: a new one replaces
// it), and at most one per (Share Name, filter) for shared subscriptions (MQTT 5.0 §4.8.2).
// `match` returns each matching subscriber once, with the maximum QoS of its matching
// subscriptions and all their subscription identifiers (MQTT 5.0 §3.3.4, 3.1.1 §3.3.5);
// each matching shared group contributes one member, taken in turn (round robin), members
// the caller prefers (connected ones) first, unless the caller chooses for it (Choose: the
// broker does when the choice was made once for every shard, src/mqtt/shared_groups.h).
//
// A filter starting with a wildcard never matches a topic that is not visible_to_wildcards
// (topic.h): '$' topics and those under the hidden roots given at construction.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/strong_id.h"
#include "mqtt/packet/subscribe.h"

namespace iris::mqtt {

// Names a session in the table; the broker maps it back to the session.
using SubscriberId = StrongId<struct SubscriberIdTag, std::uint64_t>;

struct SubscriptionEntry {
  SubscriberId subscriber;
  SubscribeOptions options;
  // MQTT 5.0 §3.8.2.1.2; 0 when the SUBSCRIBE had none.
  std::uint32_t subscription_id = 0;
};

struct Match {
  SubscriberId subscriber;
  QoS max_qos = QoS::at_most_once;
  // True if any matching subscription asked for Retain As Published.
  bool retain_as_published = false;
  std::vector<std::uint32_t> subscription_ids;
};

class SubscriptionTable {
 public:
  explicit SubscriptionTable(std::vector<std::string> hidden_roots = {});
  ~SubscriptionTable();
  SubscriptionTable(const SubscriptionTable&) = delete;
  SubscriptionTable& operator=(const SubscriptionTable&) = delete;

  // Adds or replaces the subscriber's subscription to `filter`, as a member of the shared
  // group `share` when that is not empty. Returns true if it is new.
  // Requires: is_valid_topic_filter(filter) (the inner filter of a shared subscription).
  bool subscribe(std::string_view filter, const SubscriptionEntry& entry,
                 std::string_view share = {});
  // Returns true if the subscriber had a subscription to exactly this filter (and group).
  bool unsubscribe(std::string_view filter, SubscriberId subscriber, std::string_view share = {});

  // Which members of a shared group to pick first; null picks strictly in turn.
  using Prefer = std::function<bool(SubscriberId)>;
  // Whether the match takes a shared group's turn (a delivery) or only looks (keep).
  enum class Turn { advance, keep };
  // Which member of a matching shared group (Share Name `share`, inner filter `filter`)
  // receives the message: an index into `members`, kNobody, or kInTurn for the usual choice
  // (Prefer, then turn).
  using Choose = std::function<std::size_t(std::string_view share, std::string_view filter,
                                           std::span<const SubscriptionEntry> members)>;
  static constexpr std::size_t kNobody = static_cast<std::size_t>(-1);
  static constexpr std::size_t kInTurn = static_cast<std::size_t>(-2);
  // Appends to `out` one Match per subscriber with a subscription matching `topic`.
  // `publisher` is the publishing session, for No Local (MQTT 5.0 §3.8.3.1); nullopt for
  // messages the server itself publishes. With Turn::advance, the next match of a shared
  // group picks its next member. Requires: is_valid_topic_name(topic).
  void match(std::string_view topic, std::optional<SubscriberId> publisher,
             std::vector<Match>& out, const Prefer* prefer = nullptr,
             Turn turn = Turn::advance, const Choose* choose = nullptr) const;

  // Number of (subscriber, filter) pairs.
  std::size_t size() const { return size_; }

 private:
  struct Node;
  std::vector<std::string> hidden_roots_;
  std::unique_ptr<Node> root_;
  std::size_t size_ = 0;
};

}  // namespace iris::mqtt
