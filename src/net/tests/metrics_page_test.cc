#include "net/metrics_page.h"

#include <gtest/gtest.h>

namespace iris::net {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

TEST(LagHistogram, BucketsByUpperBound) {
  LagHistogram h;
  h.add(0);       // le 0
  h.add(1);       // le 1
  h.add(5);       // le 10
  h.add(500000);  // over the last bound
  EXPECT_EQ(h.counts[0], 1u);
  EXPECT_EQ(h.counts[1], 1u);
  EXPECT_EQ(h.counts[2], 1u);
  EXPECT_EQ(h.counts.back(), 1u);
  EXPECT_EQ(h.sum, 500006.0);
}

TEST(MetricsPage, SumsShardsAndRendersEveryFamily) {
  MetricsPage page;
  mqtt::MqttMetrics m;
  m.malformed_packets = 2;
  m.connections_open = 3;
  sync::SyncShard::Stats s;
  s.requests = 5;
  s.refused = 1;
  s.rate_limited = 1;
  s.batches_pushed = 4;
  s.updates_pushed = 9;
  s.acks = 4;
  s.resyncs = 1;
  LagHistogram lags;
  lags.add(0);
  page.add_shard(m, 0, s, 2, lags);
  page.add_shard(m, 1, s, 1, lags);
  page.connections = 7;
  page.store.commits.bounds_seconds = {0.001};
  page.store.commits.counts = {3, 1};
  page.store.commits.sum_seconds = 0.5;
  page.store.commits.count = 4;
  page.store.semisync_fallbacks = 2;

  const std::string text = render(page);
  EXPECT_TRUE(has_line(text, "iris_connections 7"));
  EXPECT_TRUE(has_line(text, "iris_mqtt_sessions 6"));
  EXPECT_TRUE(has_line(text, "iris_sync_devices 3"));
  EXPECT_TRUE(has_line(text, "iris_sync_requests_total 10"));
  EXPECT_TRUE(has_line(text, "iris_sync_refused_total 2"));
  EXPECT_TRUE(has_line(text, "iris_sync_rate_limited_total 2"));
  EXPECT_TRUE(has_line(text, "iris_deltas_pushed_total{unit=\"batches\"} 8"));
  EXPECT_TRUE(has_line(text, "iris_deltas_pushed_total{unit=\"updates\"} 18"));
  EXPECT_TRUE(has_line(text, "iris_acks_total 8"));
  EXPECT_TRUE(has_line(text, "iris_resyncs_total{scope=\"full\"} 2"));
  EXPECT_TRUE(has_line(text, "iris_cursor_lag_updates_bucket{le=\"0\"} 2"));
  EXPECT_TRUE(has_line(text, "iris_cursor_lag_updates_count 2"));
  EXPECT_TRUE(has_line(text, "iris_store_commit_seconds_bucket{le=\"0.001\"} 3"));
  EXPECT_TRUE(has_line(text, "iris_store_commit_seconds_bucket{le=\"+Inf\"} 4"));
  EXPECT_TRUE(has_line(text, "iris_store_commit_seconds_count 4"));
  EXPECT_TRUE(has_line(text, "iris_mqtt_malformed_packets_total 4"));
  EXPECT_TRUE(has_line(text, "iris_slow_consumers_total 1"));
  EXPECT_TRUE(has_line(text, "iris_store_writable 1"));
  EXPECT_TRUE(has_line(text, "iris_store_semisync_fallbacks_total 2"));
}

TEST(MetricsPage, ShowsUnauthenticatedConnectionsAndTheirRefusals) {
  MetricsPage page;
  page.preauth_connections = 12;
  page.preauth_refused = 3;
  const std::string text = render(page);
  EXPECT_TRUE(has_line(text, "iris_preauth_connections 12"));
  EXPECT_TRUE(has_line(text, "iris_preauth_refused_total 3"));
}

TEST(MetricsPage, RendersAStoreWithoutAHistogram) {
  // The in-memory store has no commit thread: an empty histogram is still a valid family.
  MetricsPage page;
  const std::string text = render(page);
  EXPECT_TRUE(has_line(text, "iris_store_commit_seconds_bucket{le=\"+Inf\"} 0"));
  EXPECT_TRUE(has_line(text, "iris_store_commit_seconds_count 0"));
}

TEST(MetricsPage, ShowsTheHistoryTierOnlyWhenTheServerRunsOne) {
  MetricsPage page;
  EXPECT_EQ(render(page).find("iris_history_"), std::string::npos);
  EXPECT_EQ(render(page).find("iris_retention_"), std::string::npos);

  sync::HistoryWriter::Metrics h;
  h.applied = 120;
  h.batches = 3;
  h.failures = 2;
  h.cursor_failures = 1;
  h.users_behind = 4;
  h.storage_lag = {.updates = 17, .age = std::chrono::milliseconds(1500)};
  h.write_latency.add(std::chrono::microseconds(250'000));
  page.history = h;
  sync::RetentionTrimmer::Metrics t;
  t.passes = 6;
  t.trimmed_updates = 900;
  t.trimmed_queues = 8;
  t.device_lag = {.updates = 42, .age = std::chrono::milliseconds(86'400'000)};
  t.devices = 5;
  t.devices_too_old = 1;
  page.retention = t;

  const std::string text = render(page);
  EXPECT_TRUE(has_line(text, "iris_history_applied_updates_total 120"));
  EXPECT_TRUE(has_line(text, "iris_history_batches_total 3"));
  EXPECT_TRUE(has_line(text, "iris_history_failures_total{kind=\"apply\"} 2"));
  EXPECT_TRUE(has_line(text, "iris_history_failures_total{kind=\"cursor\"} 1"));
  EXPECT_TRUE(has_line(text, "iris_history_users_behind 4"));
  EXPECT_TRUE(has_line(text, "iris_storage_cursor_lag_updates 17"));
  EXPECT_TRUE(has_line(text, "iris_storage_cursor_lag_seconds 1.5"));
  EXPECT_TRUE(has_line(text, "iris_history_writes_total 1"));
  EXPECT_TRUE(has_line(text, "iris_history_write_max_seconds 0.25"));
  EXPECT_TRUE(has_line(text, "iris_retention_passes_total 6"));
  EXPECT_TRUE(has_line(text, "iris_retention_trimmed_updates_total 900"));
  EXPECT_TRUE(has_line(text, "iris_retention_trims_total 8"));
  EXPECT_TRUE(has_line(text, "iris_device_cursor_lag_max_updates 42"));
  EXPECT_TRUE(has_line(text, "iris_device_cursor_lag_max_seconds 86400"));
  EXPECT_TRUE(has_line(text, "iris_device_cursors 5"));
  EXPECT_TRUE(has_line(text, "iris_device_cursors_too_old 1"));
}

}  // namespace
}  // namespace iris::net
