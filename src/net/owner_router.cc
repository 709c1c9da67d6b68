#include "net/owner_router.h"

#include <functional>
#include <string>

namespace iris::net {

Owner LocalOwnerRouter::owner_of_key(std::string_view key) const {
  return Owner{std::hash<std::string_view>{}(key) % shards_};
}

// A canonical id has one spelling (core::parse_id), so hashing it is hashing the user name
// the connection was routed by.
Owner LocalOwnerRouter::owner_of(core::UserId user) const {
  return owner_of_key(std::to_string(user.value()));
}

}  // namespace iris::net
