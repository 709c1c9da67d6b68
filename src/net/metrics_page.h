#pragma once
// MetricsPage: what /metrics shows, as plain numbers gathered from every shard, the socket
// layer and the store, and the one function that renders it in the Prometheus text format.
// Pure, so the page's names and shapes are tested without a server. The metric names are an
// interface (dashboards, alerts): renaming one is a breaking change.

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "mqtt/metrics.h"
#include "store/commit_latency.h"
#include "sync/history_writer.h"
#include "sync/retention_trimmer.h"
#include "sync/sync_shard.h"

namespace iris::net {

// Cursor lag of the online streaming devices (updates between the queue's head and the
// device's acknowledged position), bucketed; upper bounds in updates.
struct LagHistogram {
  static constexpr std::array<double, 7> kBounds = {0, 1, 10, 100, 1000, 10'000, 100'000};
  std::array<std::uint64_t, kBounds.size() + 1> counts{};
  double sum = 0;

  void add(std::uint64_t lag);
  void merge(const LagHistogram& other);
};

struct MetricsPage {
  std::uint64_t connections = 0;          // open sockets: MQTT (any transport) and HTTP
  std::uint64_t connections_refused = 0;  // over net.max_connections
  std::uint64_t preauth_connections = 0;  // not yet authenticated (net.max_preauth_*)
  std::uint64_t preauth_refused = 0;      // over net.max_preauth_connections or _per_source
  std::uint64_t relayed = 0;              // devices relayed to their user's owner (a cell)
  std::uint64_t redirected = 0;           // MQTT 5 devices sent to the owner with 0x9C
  std::uint64_t slow_consumers = 0;
  mqtt::MqttMetrics mqtt;                 // summed over the shards
  sync::SyncShard::Stats sync;            // summed over the shards
  std::uint64_t sync_devices = 0;         // devices connected to the sync service
  LagHistogram cursor_lag;
  store::StoreStats store;
  std::uint64_t http_requests = 0;
  std::uint64_t http_errors = 0;          // answered with a 4xx or 5xx status
  // The history tier, when the server runs one: its families are left out otherwise.
  std::optional<sync::HistoryWriter::Metrics> history;
  std::optional<sync::RetentionTrimmer::Metrics> retention;

  // Adds one shard's share (broker, sync service, its devices' lags).
  void add_shard(const mqtt::MqttMetrics& m, std::uint64_t slow, const sync::SyncShard::Stats& s,
                 std::uint64_t devices, const LagHistogram& lags);
};

// The Prometheus text exposition of `page` (PrometheusWriter::kContentType).
std::string render(const MetricsPage& page);

}  // namespace iris::net
