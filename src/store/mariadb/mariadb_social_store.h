#pragma once
// The social store (social/social_store.h) on the cell's MariaDB pair: the `social_*` tables
// of the configured database (mariadb/social_schema.h), on the writable server through the
// connection layer (connection_pool.h). Every server of a cell opens it on the same database,
// so cell_wide(): a block, a contact, a group-add setting or a requests folder written by a
// user's owner is what every other server reads next, and what the user's next owner reads
// after a failover or a move. A write returns after its COMMIT, which the semi-sync replica
// acknowledged (AFTER_SYNC): on two servers' disks before the update announcing it is appended.
//
// No cache: a user's state is written by its owner and read by the owners of everyone who
// sends to it, so a cache on the reader could not learn of a block before the block is
// acknowledged, and a blocked sender could get through after it. Instead every read is by
// primary key and a send's block check is one statement for all of its recipients
// (blocked_by).
//
// Outage behaviour: constructs without a server; every call fails with errc::unavailable until
// a writable server answers (the pool retries with backoff and follows a failover), so the
// policy fails closed: a send or thread is refused `unavailable`, never let through unjudged.
// The tables are created, and their version checked, at the first call that reaches a server.
//
// Threading: any thread; each call takes a pooled connection for its duration.

#include <memory>

#include "core/social_policy.h"
#include "store/mariadb/mariadb_options.h"
#include "store/social/social_store.h"

namespace iris::store {

// Requires: options.servers parse (the app validates them at startup). `group_add_default`
// as for SocialStore::open.
std::unique_ptr<SocialStore> open_mariadb_social_store(const MariaDbOptions& options,
                                                       core::GroupAdd group_add_default);

}  // namespace iris::store
