#include "net/metrics_page.h"

#include <algorithm>
#include <vector>

#include "net/prometheus_writer.h"

namespace iris::net {

void LagHistogram::add(std::uint64_t lag) {
  const auto v = static_cast<double>(lag);
  const auto i = static_cast<std::size_t>(std::lower_bound(kBounds.begin(), kBounds.end(), v) - kBounds.begin());
  ++counts[i];
  sum += v;
}

void LagHistogram::merge(const LagHistogram& other) {
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  sum += other.sum;
}

void MetricsPage::add_shard(const mqtt::MqttMetrics& m, std::uint64_t slow,
                            const sync::SyncShard::Stats& s, std::uint64_t devices,
                            const LagHistogram& lags) {
  mqtt.connections_open += m.connections_open;
  mqtt.connects_accepted += m.connects_accepted;
  mqtt.connects_rejected += m.connects_rejected;
  mqtt.malformed_packets += m.malformed_packets;
  mqtt.protocol_errors += m.protocol_errors;
  mqtt.packets_too_large += m.packets_too_large;
  mqtt.keep_alive_timeouts += m.keep_alive_timeouts;
  mqtt.session_takeovers += m.session_takeovers;
  mqtt.sessions_expired += m.sessions_expired;
  mqtt.publishes_received += m.publishes_received;
  mqtt.publishes_sent += m.publishes_sent;
  mqtt.messages_dropped += m.messages_dropped;
  mqtt.wills_published += m.wills_published;
  slow_consumers += slow;
  sync.requests += s.requests;
  sync.refused += s.refused;
  sync.batches_pushed += s.batches_pushed;
  sync.updates_pushed += s.updates_pushed;
  sync.acks += s.acks;
  sync.resyncs += s.resyncs;
  sync.thread_resyncs += s.thread_resyncs;
  sync.heartbeats += s.heartbeats;
  sync_devices += devices;
  cursor_lag.merge(lags);
}

std::string render(const MetricsPage& p) {
  PrometheusWriter w;
  w.gauge("iris_connections", "Open client connections (MQTT over TCP, TLS, WebSocket; HTTP).",
          static_cast<double>(p.connections));
  w.gauge("iris_mqtt_sessions", "MQTT connections past CONNECT.", static_cast<double>(p.mqtt.connections_open));
  w.gauge("iris_sync_devices", "Devices connected to the sync service.", static_cast<double>(p.sync_devices));
  w.counter("iris_connections_refused_total", "Connections closed at accept: net.max_connections reached.",
            p.connections_refused);
  w.counter("iris_slow_consumers_total", "Connections closed because their write queue was full.",
            p.slow_consumers);
  w.counter("iris_sync_requests_total", "Sync requests received (resume, send, read, thread operations).",
            p.sync.requests);
  w.counter("iris_sync_refused_total", "Sync requests refused with an Error.", p.sync.refused);
  w.counter("iris_deltas_pushed_total", "Delta batches, and the updates in them, pushed to devices.",
            {{"unit", "batches", static_cast<double>(p.sync.batches_pushed)},
             {"unit", "updates", static_cast<double>(p.sync.updates_pushed)}});
  w.counter("iris_acks_total", "Delta batches acknowledged by devices (cursor moves).", p.sync.acks);
  w.counter("iris_resyncs_total", "Resumes answered with a Resync.",
            {{"scope", "full", static_cast<double>(p.sync.resyncs)},
             {"scope", "thread", static_cast<double>(p.sync.thread_resyncs)}});
  w.counter("iris_heartbeats_total", "Heartbeats sent to streaming devices.", p.sync.heartbeats);
  w.histogram("iris_cursor_lag_updates",
              "Updates between the queue head and each online streaming device's acknowledged seq.",
              LagHistogram::kBounds, p.cursor_lag.counts, p.cursor_lag.sum);
  // A store without a commit thread reports no buckets: still one valid (empty) family.
  std::vector<std::uint64_t> commit_counts = p.store.commits.counts;
  if (commit_counts.size() != p.store.commits.bounds_seconds.size() + 1) {
    commit_counts.assign(p.store.commits.bounds_seconds.size() + 1, 0);
  }
  w.histogram("iris_store_commit_seconds", "Latency of the queue store's group commits (write + sync).",
              p.store.commits.bounds_seconds, commit_counts, p.store.commits.sum_seconds);
  w.gauge("iris_store_writable", "1 while the queue store accepts writes.", p.store.writable ? 1 : 0);
  w.counter("iris_mqtt_connects_total", "MQTT CONNECTs by outcome.",
            {{"result", "accepted", static_cast<double>(p.mqtt.connects_accepted)},
             {"result", "rejected", static_cast<double>(p.mqtt.connects_rejected)}});
  w.counter("iris_mqtt_malformed_packets_total", "Connections closed for a malformed packet.",
            p.mqtt.malformed_packets);
  w.counter("iris_mqtt_protocol_errors_total", "Connections closed for a protocol error.",
            p.mqtt.protocol_errors);
  w.counter("iris_mqtt_packets_too_large_total", "Connections closed for a packet over the limit.",
            p.mqtt.packets_too_large);
  w.counter("iris_mqtt_keep_alive_timeouts_total", "Connections closed for a missed keep-alive.",
            p.mqtt.keep_alive_timeouts);
  w.counter("iris_mqtt_session_takeovers_total", "Sessions taken over by a new connection.",
            p.mqtt.session_takeovers);
  w.counter("iris_mqtt_publishes_total", "MQTT PUBLISH packets by direction.",
            {{"direction", "received", static_cast<double>(p.mqtt.publishes_received)},
             {"direction", "sent", static_cast<double>(p.mqtt.publishes_sent)}});
  w.counter("iris_mqtt_messages_dropped_total", "Messages dropped (queue full, too large, expired).",
            p.mqtt.messages_dropped);
  w.counter("iris_http_requests_total", "HTTP requests answered.", p.http_requests);
  w.counter("iris_http_errors_total", "HTTP requests answered with a 4xx or 5xx status.", p.http_errors);
  return w.take();
}

}  // namespace iris::net
