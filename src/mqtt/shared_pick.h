#pragma once
// SharedPick: which member of a shared subscription group receives one message, chosen once
// for every broker of a server (mqtt/shared_groups.h) and carried inside the Message.

#include <cstdint>
#include <string>

#include "mqtt/subscription_table.h"

namespace iris::mqtt {

// A session, server-wide: the broker that owns it (its shard index in net/) and its
// subscriber id there.
struct SharedMember {
  std::uint32_t broker = 0;
  SubscriberId subscriber{};
  bool operator==(const SharedMember&) const = default;
};

struct SharedPick {
  std::string share;   // the group's Share Name
  std::string filter;  // the group's inner filter
  SharedMember member;
};

}  // namespace iris::mqtt
