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
  mqtt.retained_refused += m.retained_refused;
  slow_consumers += slow;
  sync.requests += s.requests;
  sync.refused += s.refused;
  sync.rate_limited += s.rate_limited;
  sync.batches_pushed += s.batches_pushed;
  sync.updates_pushed += s.updates_pushed;
  sync.acks += s.acks;
  sync.resyncs += s.resyncs;
  sync.thread_resyncs += s.thread_resyncs;
  sync.heartbeats += s.heartbeats;
  sync.heartbeats_elided += s.heartbeats_elided;
  sync_devices += devices;
  cursor_lag.merge(lags);
}

namespace {

double seconds(std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1e6; }
double seconds(std::chrono::milliseconds d) { return static_cast<double>(d.count()) / 1e3; }

void render_history(PrometheusWriter& w, const sync::HistoryWriter::Metrics& h) {
  w.counter("iris_history_applied_updates_total", "Updates the history writer made durable in the history store.",
            h.applied);
  w.counter("iris_history_batches_total", "History store transactions committed.", h.batches);
  w.counter("iris_history_failures_total", "History writer failures by kind (the storage cursor stands still).",
            {{"kind", "apply", static_cast<double>(h.failures)},
             {"kind", "cursor", static_cast<double>(h.cursor_failures)}});
  w.gauge("iris_history_users_behind", "Users whose queue has updates history does not have yet.",
          static_cast<double>(h.users_behind));
  w.gauge("iris_storage_cursor_lag_updates", "The worst storage cursor: updates history has not applied.",
          static_cast<double>(h.storage_lag.updates));
  w.gauge("iris_storage_cursor_lag_seconds", "The worst storage cursor: age of its oldest unapplied update.",
          seconds(h.storage_lag.age));
  // LatencyHistogram keeps power-of-two buckets of its own: its quantiles, as gauges.
  w.counter("iris_history_writes_total", "History store transactions timed (the latency gauges' samples).",
            h.write_latency.count());
  w.gauge("iris_history_write_p50_seconds", "History write latency, median (within a factor of two).",
          seconds(h.write_latency.quantile(0.5)));
  w.gauge("iris_history_write_p99_seconds", "History write latency, 99th percentile (within a factor of two).",
          seconds(h.write_latency.quantile(0.99)));
  w.gauge("iris_history_write_max_seconds", "History write latency, the slowest.", seconds(h.write_latency.max()));
}

void render_retention(PrometheusWriter& w, const sync::RetentionTrimmer::Metrics& t) {
  w.counter("iris_retention_passes_total", "Retention trimmer passes.", t.passes);
  w.counter("iris_retention_trimmed_updates_total", "Queue entries trimmed (older than the window or over the length cap, and held by history).",
            t.trimmed_updates);
  w.counter("iris_retention_trims_total", "Queue trims (at most one per queue and pass).", t.trimmed_queues);
  w.counter("iris_retention_failures_total", "Queues a trimmer pass could not read or trim.", t.failures);
  w.gauge("iris_device_cursor_lag_max_updates", "Last pass: the worst device cursor, in updates behind its queue head.",
          static_cast<double>(t.device_lag.updates));
  w.gauge("iris_device_cursor_lag_max_seconds", "Last pass: the worst device cursor, age of its oldest unacknowledged update.",
          seconds(t.device_lag.age));
  w.gauge("iris_device_cursors", "Last pass: device cursors seen.", static_cast<double>(t.devices));
  w.gauge("iris_device_cursors_too_old", "Last pass: device cursors behind their queue's first retained seq (they resync).",
          static_cast<double>(t.devices_too_old));
}

}  // namespace

std::string render(const MetricsPage& p) {
  PrometheusWriter w;
  w.gauge("iris_connections", "Open client connections (MQTT over TCP, TLS, WebSocket; HTTP).",
          static_cast<double>(p.connections));
  w.gauge("iris_mqtt_sessions", "MQTT connections past CONNECT.", static_cast<double>(p.mqtt.connections_open));
  w.gauge("iris_sync_devices", "Devices connected to the sync service.", static_cast<double>(p.sync_devices));
  w.counter("iris_connections_refused_total", "Connections closed at accept: net.max_connections reached.",
            p.connections_refused);
  w.gauge("iris_preauth_connections",
          "Connections not yet authenticated (MQTT before CONNACK, HTTP before a valid token).",
          static_cast<double>(p.preauth_connections));
  w.counter("iris_preauth_refused_total",
            "Connections closed at accept: net.max_preauth_connections or net.max_preauth_per_source reached.",
            p.preauth_refused);
  w.counter("iris_cell_relayed_total", "Devices relayed to the server of the cell that owns their user.",
            p.relayed);
  w.counter("iris_cell_redirected_total",
            "MQTT 5 devices answered CONNACK 0x9C with a Server Reference to their user's owner.", p.redirected);
  w.counter("iris_slow_consumers_total", "Connections closed because their write queue was full.",
            p.slow_consumers);
  w.counter("iris_sync_requests_total", "Sync requests received (resume, send, read, thread operations).",
            p.sync.requests);
  w.counter("iris_sync_refused_total", "Sync requests refused with an Error.", p.sync.refused);
  w.counter("iris_sync_rate_limited_total",
            "Sync requests refused rate_limited (sync.rate.*), counted in iris_sync_refused_total too.",
            p.sync.rate_limited);
  w.counter("iris_deltas_pushed_total", "Delta batches, and the updates in them, pushed to devices.",
            {{"unit", "batches", static_cast<double>(p.sync.batches_pushed)},
             {"unit", "updates", static_cast<double>(p.sync.updates_pushed)}});
  w.counter("iris_acks_total", "Delta batches acknowledged by devices (cursor moves).", p.sync.acks);
  w.counter("iris_resyncs_total", "Resumes answered with a Resync.",
            {{"scope", "full", static_cast<double>(p.sync.resyncs)},
             {"scope", "thread", static_cast<double>(p.sync.thread_resyncs)}});
  w.counter("iris_heartbeats_total", "Heartbeats sent to streaming devices.", p.sync.heartbeats);
  w.counter("iris_heartbeats_elided_total",
            "Keep-alives of devices that held the head, answered without a heartbeat.",
            p.sync.heartbeats_elided);
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
  w.counter("iris_store_semisync_fallbacks_total",
            "Times the MariaDB primary was seen falling back to asynchronous replication.",
            p.store.semisync_fallbacks);
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
  w.counter("iris_mqtt_retained_refused_total",
            "Retained messages refused over a mqtt.max_retained_* bound.", p.mqtt.retained_refused);
  w.counter("iris_http_requests_total", "HTTP requests answered.", p.http_requests);
  w.counter("iris_http_errors_total", "HTTP requests answered with a 4xx or 5xx status.", p.http_errors);
  if (p.history) render_history(w, *p.history);
  if (p.retention) render_retention(w, *p.retention);
  return w.take();
}

}  // namespace iris::net
