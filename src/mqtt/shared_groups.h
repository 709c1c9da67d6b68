#pragma once
// SharedGroups: the members of every shared subscription group (`$share/<group>/<filter>`,
// MQTT 5.0 §4.8.2) over all the brokers of a server, and the one choice per message of the
// member that receives it.
//
// Why: net/ runs one Broker per shard thread and hands every message to every shard's broker,
// so a group whose members sit on two shards would get each message once per shard if each
// broker chose among its own members. The spec says one session of the group gets it. So the
// choice is made once, by the broker where the message enters routing (the publisher's, or
// the one a server message is first published on), against this directory that every broker
// shares; the picks travel inside the immutable Message (Message::shared_picks) to every
// broker, and a broker delivers a group's copy only if the chosen member is its own
// (Broker::set_shared_groups). A broker of its own (no directory) chooses among its members.
//
// Cost: brokers keep a replica of the list of groups (not of members), refreshed when
// generation() changes (a group appears or goes), and match a topic against it first; so a
// message matching no shared subscription never reaches the directory (net/'s one takes a
// mutex). Member changes (subscribe, unsubscribe, connect, disconnect of a session with shared
// subscriptions) and the choice for a message that matches a group are the locked paths.
//
// The choice: among the group's members, connected ones first, taking turns (round robin from
// after the last chosen member), the same rule a single broker applies.

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mqtt/shared_pick.h"

namespace iris::mqtt {

// Names a group: its Share Name and inner filter (MQTT 5.0 §4.8.2: "$share/g/a" and
// "$share/g/b" are two groups).
struct SharedGroupKey {
  std::string share;
  std::string filter;
  auto operator<=>(const SharedGroupKey&) const = default;
};

enum class MemberState : std::uint8_t { connected, offline };

class SharedGroups {
 public:
  virtual ~SharedGroups() = default;
  // Adds `member` to the group (creating it), or updates its state if it is already there.
  virtual void join(std::string_view share, std::string_view filter, SharedMember member,
                    MemberState state) = 0;
  // Removes `member` from the group (the group goes with its last member); no-op if absent.
  virtual void leave(std::string_view share, std::string_view filter, SharedMember member) = 0;
  // Changes whenever a group appears or goes, never otherwise. Safe from any thread.
  virtual std::uint64_t generation() const = 0;
  // Replaces `out` with every group; returns the generation that list belongs to.
  virtual std::uint64_t groups(std::vector<SharedGroupKey>& out) const = 0;
  // Appends to `out` one pick per group in `groups` that still has members, and takes that
  // group's turn.
  virtual void choose(std::span<const SharedGroupKey* const> groups,
                      std::vector<SharedPick>& out) = 0;
};

// The directory itself: pure, single-threaded. Memory: one entry per (group, member).
class SharedGroupTable final : public SharedGroups {
 public:
  void join(std::string_view share, std::string_view filter, SharedMember member,
            MemberState state) override;
  void leave(std::string_view share, std::string_view filter, SharedMember member) override;
  std::uint64_t generation() const override { return generation_; }
  std::uint64_t groups(std::vector<SharedGroupKey>& out) const override;
  void choose(std::span<const SharedGroupKey* const> groups,
              std::vector<SharedPick>& out) override;

  std::size_t group_count() const { return groups_.size(); }

 private:
  struct Member {
    SharedMember id;
    MemberState state;
  };
  struct Group {
    std::vector<Member> members;  // in join order: the order turns are taken in
    std::size_t next = 0;         // the first member to consider for the next message
  };
  // Looks a group up by (share, filter) views, so finding one allocates nothing.
  using KeyView = std::pair<std::string_view, std::string_view>;
  struct KeyLess {
    using is_transparent = void;
    static KeyView view(const SharedGroupKey& k) { return {k.share, k.filter}; }
    static KeyView view(const KeyView& k) { return k; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
  };
  std::map<SharedGroupKey, Group, KeyLess> groups_;
  std::uint64_t generation_ = 0;
};

}  // namespace iris::mqtt
