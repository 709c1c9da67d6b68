#pragma once
// PairsWorkload: `pairs` publisher/subscriber connection pairs, pair i on topic
// `<topic_prefix><i>`, QoS 1 both ways (publish and subscription), so every message crosses
// the broker once and is acknowledged on both legs.
//
// Flow control, the same for every broker: a publisher sends only while it has fewer than
// `window` PUBLISHes unacknowledged by the broker (capped by the broker's Receive Maximum)
// AND fewer than `window` sent but not yet delivered to its subscriber. The second bound keeps
// the broker's queue per subscriber under `window`, so no broker drops messages for a full
// queue (a broker acks QoS 1 on receipt, not on delivery); subscribers also send Receive
// Maximum = `window`.
//
// Two modes:
// - closed loop (rate == 0, `mqtt-throughput`): each publisher sends as the windows allow,
//   `messages / pairs` in all; throughput = messages delivered / (last delivery - first
//   publish). Latency is also recorded, from the actual send time, but under saturation it is
//   mostly queueing time.
// - open loop (rate > 0, `mqtt-latency`): message k overall is due at start + k / rate,
//   round-robin over the publishers, whatever the broker's progress. The payload carries the
//   due time, so latency = delivery - due time includes any wait for the window or for the
//   pacer (no coordinated omission). Messages due in the first `warmup` seconds are sent but
//   not recorded.
//
// Threads: `threads` workers, one io_context each; both ends of pair i run on worker
// i % threads, so a delivery opens its publisher's window without crossing threads. The main
// thread only starts, polls and stops.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "apps/iris-bench/mqtt_client.h"

namespace iris::bench {

struct PairsOptions {
  asio::ip::tcp::endpoint broker;
  mqtt::Version version = mqtt::Version::v5;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string topic_prefix = "bench/";
  std::size_t pairs = 100;
  std::size_t payload = 100;  // bytes, >= kStampBytes
  // Unacked PUBLISHes per publisher, and (as the subscribers' Receive Maximum) the most
  // unacked deliveries the broker may have towards each subscriber.
  std::uint16_t window = 20;
  std::size_t threads = 2;
  // Closed loop: total messages. Open loop: rate * seconds.
  std::uint64_t messages = 1'000'000;
  double rate = 0;  // messages per second over all publishers; 0 = closed loop
  double warmup_s = 0;
  double timeout_s = 300;  // whole run, connecting included
};

struct PairsResult {
  std::uint64_t delivered = 0;
  double elapsed_s = 0;          // first publish to last delivery
  std::uint16_t window = 0;      // smallest window actually used (after Receive Maximum)
  std::vector<std::int64_t> latencies_ns;  // recorded messages, unsorted
};

// Throws std::runtime_error when a connection fails or the run times out.
PairsResult run_pairs(const PairsOptions& options);

}  // namespace iris::bench
