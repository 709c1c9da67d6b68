#pragma once
// `irisd db promote`: an operator's promotion of the replica, with or without the primary.
//
// Primary reachable (a planned switchover): the primary is fenced (read-only) first, the
// replica waits until it has received and applied everything the primary logged, is
// promoted, and the old primary becomes its replica. Nothing is lost, the generation stays.
// Primary unreachable: the replica is promoted after applying what it received, and the
// failover generation is bumped, since nobody watched whether the primary's semi-sync had
// fallen back (iris-dbmon watches that and bumps only when it had). Refused while the
// replica still receives from the primary, unless forced.

#include <string>
#include <vector>

#include "base/result.h"
#include "dbpair/admin_connection.h"
#include "dbpair/pair_admin.h"

namespace iris::dbpair {

struct ManualPromoteOptions {
  std::vector<ServerAddress> servers;
  AdminOptions admin;
  ReplicationAccount replication;
  PromoteOptions promote;
  bool force = false;  // promote even though the replica still receives from the primary
};

struct ManualPromoteReport {
  ServerAddress promoted;
  bool old_primary_reachable = false;  // and now its replica
  bool generation_bumped = false;
};

Result<ManualPromoteReport> manual_promote(const ManualPromoteOptions& options);

}  // namespace iris::dbpair
