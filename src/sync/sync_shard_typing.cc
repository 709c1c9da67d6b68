#include "sync/sync_shard.h"

#include "sync/errc.h"

namespace iris::sync {

Result<void> SyncShard::typing(core::UserId who, wire::Typing signal) {
  if (!is_participant(who, signal.thread)) return fail(errc::not_participant);
  signal.user = who;  // whatever the device wrote there, as over MQTT
  if (!sink_.typing(signal)) return fail(errc::rate_limited);
  return {};
}

}  // namespace iris::sync
