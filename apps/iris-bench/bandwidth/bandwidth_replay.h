#pragma once
// BandwidthReplay: runs one ChatWorkload against a running irisd in one protocol mode and
// counts every byte each device's sockets carried (socket_bytes.h: TLS and MQTT/HTTP framing
// included), the round trips of catching up and the time it took.
//
// Modes:
//   delta_thrift  snapshot + delta (docs/PROTOCOL.md "Sync over MQTT"), payloads in Thrift
//                 compact: the protocol Iris is built for.
//   delta_json    the same protocol with JSON payloads (the connection's encoding follows
//                 its requests').
//   pull_json     the legacy baseline: "something changed" notifications over MQTT, then an
//                 HTTPS GET of the changed conversation's view as JSON (gzip).
//
// Simulated time: events run in order as fast as irisd answers; after each one the replay
// waits until every device it concerns is current (quiescence), so no two events share a
// batch that real time would have kept apart. Keep-alives follow simulated time: an online
// device sends PINGREQ once a direction of its connection was quiet for `keep_alive_s`
// simulated seconds, as Paho's clients do; so do held acknowledgements (`ack_delay_s`).
//
// Measurement starts after setup (every device connected and current, threads created,
// devices offline at time 0 disconnected) and ends after the last event.
//
// Threading: one thread, one io_context, coroutines. run() blocks until done.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "apps/iris-bench/bandwidth/socket_bytes.h"
#include "apps/iris-bench/bandwidth/tls_link.h"
#include "apps/iris-bench/workload/chat_workload.h"

namespace iris::bench {

enum class ReplayMode { pull_json, delta_json, delta_thrift };

struct ReplayOptions {
  ReplayMode mode = ReplayMode::delta_thrift;
  boost::asio::ip::tcp::endpoint mqtts;  // irisd's MQTT over TLS listener
  std::optional<boost::asio::ip::tcp::endpoint> https;  // irisd's HTTPS listener, if any
  std::string secret;                    // irisd's token secret (auth.secret_file)
  // MQTT keep-alive, simulated seconds: a device pings once it has sent or received nothing
  // for this long (MQTT 3.1.2.10 asks a client to send some packet within each interval).
  std::uint16_t keep_alive_s = 300;
  // Resume each device's last TLS session on reconnect (as phone TLS stacks do); off makes
  // every connection a full handshake.
  bool tls_resume = true;
  // The lifetime of a TLS ticket in simulated time (irisd's tls.session_lifetime, 24 h by
  // default): a device whose ticket is older when it comes back does a full handshake.
  // Replayed time runs much faster than the server's clock, so the replay expires tickets.
  std::int64_t tls_session_lifetime_s = 24 * 3600;
  // MQTT 5.0 topic aliases both ways (MqttLink); off sends every topic in full.
  bool topic_aliases = true;
  // Delta modes: resume with skip_own, so a device takes its own sends and read receipts
  // from their results instead of receiving them back in its deltas (docs/PROTOCOL.md).
  bool skip_own = true;
  // How long a device may hold the PUBACK of a delta batch (or notify), simulated seconds:
  // held acknowledgements leave with the next packet the device sends, at the latest when
  // this much time has passed or when it holds kHeldAcks of them. 0 acknowledges at once.
  double ack_delay_s = 0;
  static constexpr std::size_t kHeldAcks = 2;
  // Longest wait for irisd at any step, real seconds.
  double step_timeout_s = 30;
  // A reconnect counts as "back after a day" from this much offline time on.
  double day_away_h = 20;
};

// One device coming back online.
struct CatchUp {
  std::int64_t offline_ms = 0;
  bool cold = false;
  // Request/response exchanges after the connection was up (CONNACK) until current; the
  // TCP (1), TLS 1.3 (1) and MQTT CONNECT (1) round trips before it are the same in every
  // mode and not counted here.
  std::uint32_t round_trips = 0;
  double wall_ms = 0;    // from the TCP connect to current, real time on loopback
  std::uint64_t bytes = 0;  // both directions, until current
};

struct ReplayResult {
  SocketBytes bytes;  // all devices, measured period
  std::size_t devices = 0;
  double days = 0;
  std::uint64_t sends = 0, reads = 0, reconnects = 0, cold_starts = 0, pings = 0, fetches = 0;
  // MQTT connections made while measuring and their bytes up to CONNACK (TCP payload: TLS
  // handshake, CONNECT, CONNACK): the fixed cost of coming online, the same in every mode.
  std::uint64_t connections = 0, connect_bytes = 0;
  // Of those MQTT connections, the ones that resumed a TLS session; and the HTTPS ones.
  std::uint64_t resumed = 0, https_connections = 0, https_resumed = 0;
  std::vector<CatchUp> catch_ups;
  // MQTT bytes of the measured period by direction and kind ("down.delta_batch",
  // "up.puback", ...): packets as encoded, before TLS. Whatever `bytes` holds beyond their
  // sum is TLS (handshakes, record headers and tags), HTTP, CONNECT and CONNACK.
  std::map<std::string, std::uint64_t> mqtt_bytes;
  // TLS records of the MQTT connections after their handshakes (the device's view).
  TlsRecords mqtt_records;
  double per_device_day() const {
    return static_cast<double>(bytes.total()) / static_cast<double>(devices) / days;
  }
};

// Throws std::runtime_error when irisd refuses, stalls past step_timeout_s or breaks the
// protocol (a gap in a device's deltas, an unexpected resync).
ReplayResult run_bandwidth_replay(const ChatWorkload& workload, const ReplayOptions& options);

const char* to_string(ReplayMode mode);

}  // namespace iris::bench
