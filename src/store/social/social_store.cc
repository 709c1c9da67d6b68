#include "store/social/social_store.h"

namespace iris::store {

Result<std::optional<core::Folder>> SocialStore::folder_for_new_thread(core::UserId recipient,
                                                                       core::UserId sender,
                                                                       core::Arrival arrival) const {
  auto v = view(recipient, sender);
  if (!v) return fail(v.error());
  return core::folder_for_new_thread(*v, arrival);
}

}  // namespace iris::store
