#pragma once
// One shard's share of /metrics (net/http_session.cc gathers them).
#include "net/detail/shard.h"
#include "net/metrics_page.h"

namespace iris::net::detail {

// One shard's share of /metrics, read on that shard's thread.
struct ShardSample {
  mqtt::MqttMetrics mqtt;
  std::uint64_t slow_consumers = 0;
  sync::SyncShard::Stats sync;
  std::uint64_t devices = 0;
  LagHistogram lags;
};

inline ShardSample sample_of(Shard& shard) {
  ShardSample s;
  s.mqtt = shard.broker_metrics();
  s.slow_consumers = shard.slow_consumers;
  if (auto* sync = shard.sync()) {
    s.sync = sync->stats();
    s.devices = sync->online_devices();
    for (auto lag : sync->cursor_lags()) s.lags.add(lag);
  }
  return s;
}

}  // namespace iris::net::detail
