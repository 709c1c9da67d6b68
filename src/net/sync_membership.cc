#include "net/sync_membership.h"

#include "net/detail/shard.h"

namespace iris::net {

bool SyncMembership::is_participant(std::string_view user, std::string_view thread) const {
  detail::Shard* shard = detail::Shard::current();
  return shard != nullptr && shard->is_participant(user, thread);
}

}  // namespace iris::net
