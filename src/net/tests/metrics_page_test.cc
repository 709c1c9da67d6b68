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

  const std::string text = render(page);
  EXPECT_TRUE(has_line(text, "iris_connections 7"));
  EXPECT_TRUE(has_line(text, "iris_mqtt_sessions 6"));
  EXPECT_TRUE(has_line(text, "iris_sync_devices 3"));
  EXPECT_TRUE(has_line(text, "iris_sync_requests_total 10"));
  EXPECT_TRUE(has_line(text, "iris_sync_refused_total 2"));
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
}

TEST(MetricsPage, RendersAStoreWithoutAHistogram) {
  // The in-memory store has no commit thread: an empty histogram is still a valid family.
  MetricsPage page;
  const std::string text = render(page);
  EXPECT_TRUE(has_line(text, "iris_store_commit_seconds_bucket{le=\"+Inf\"} 0"));
  EXPECT_TRUE(has_line(text, "iris_store_commit_seconds_count 0"));
}

}  // namespace
}  // namespace iris::net
