// iris-bench: MQTT load generator for `scripts/bench mqtt`. It speaks plain MQTT 3.1.1/5.0
// over TCP, so the same program drives irisd and any other broker (Mosquitto in the suite).
//
// Workloads (all QoS 1, TCP_NODELAY, one topic per publisher/subscriber pair):
//   mqtt-throughput  closed loop: --pairs publisher/subscriber pairs; each pair keeps at most
//                    --window PUBLISHes unacked by the broker and --window sent but not yet
//                    delivered (subscribers send Receive Maximum = --window);
//                    --messages in all, --payload bytes each. Prints msgs_per_s = delivered /
//                    (last delivery - first send).
//   mqtt-latency     open loop at a fixed --rate msgs/s for --seconds over --pairs pairs;
//                    latency from each message's scheduled send time to its delivery, after
//                    --warmup seconds. Prints p50_ms, p99_ms, p999_ms.
//   mqtt-idle        --connections idle connections with one subscription each, over child
//                    processes and --source-addrs; prints `ready_connections N`, then holds
//                    until SIGTERM.
//   sync-sends       irisd's sync service: --users devices in two-person threads send into
//                    their thread, closed loop (--messages) or open loop (--rate for
//                    --seconds); latency from each send's due time to its push to the other
//                    participant's device. Needs --secret-file (irisd's auth.secret_file).
//                    With --cell, the users are chosen by the cell's ring (cell_plan.h) and
//                    each device connects to its user's owner; --seconds without --rate is a
//                    timed closed loop. Prints acked_lost (acknowledged sends the other
//                    participant's device never got) and duplicates, and exits 3 when either
//                    is not 0.
//   sync-catchup     one device catches up a --backlog of updates made while it was
//                    offline; prints catchup_per_s. Needs --secret-file.
//                    (Both: apps/iris-bench/sync_workload.h.)
//   bandwidth        replays a seeded chat workload (workload/chat_workload.h) against irisd
//                    over TLS in one --mode (pull_json, delta_json, delta_thrift) and prints
//                    bytes per device per simulated day, counted at the sockets, and the
//                    catch-up of devices back after a day offline (bandwidth/bandwidth_replay.h).
// Output: `key value` lines (awk-friendly); a `#` line first says what ran.

#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>

#include <unistd.h>

#include "apps/iris-bench/args.h"
#include "apps/iris-bench/bandwidth/bandwidth_replay.h"
#include "apps/iris-bench/cell_plan.h"
#include "apps/iris-bench/idle_workload.h"
#include "apps/iris-bench/pairs_workload.h"
#include "apps/iris-bench/sync_workload.h"
#include "cluster/ring_hash.h"

namespace iris::bench {
namespace {

constexpr const char* kUsage = R"(Usage: iris-bench WORKLOAD --port P [flags]

Workloads:
  mqtt-throughput   closed-loop QoS 1 throughput over publisher/subscriber pairs
  mqtt-latency      open-loop QoS 1 publish-to-deliver latency at a fixed rate
  mqtt-idle         many idle subscribed connections, held until SIGTERM
  sync-sends        irisd sync: sends in two-person threads, latency to the other device
  sync-catchup      irisd sync: one device catching up a backlog
  bandwidth         replay a chat workload against irisd, count bytes on the wire

Common flags:
  --host ADDR            broker address (default 127.0.0.1)
  --port P               broker port (required)
  --mqtt-version V       5 or 3.1.1 (default 5)
  --username U --password P   sent in every CONNECT when given
  --topic-prefix S       topics are S<n> (default bench/ and idle/)
  --timeout S            give up after S seconds (default 300)

mqtt-throughput / mqtt-latency:
  --pairs N              publisher/subscriber pairs (default 100)
  --payload B            payload bytes, >= 8 (default 100)
  --window W             per pair: most PUBLISHes unacked by the broker (capped by its
                         Receive Maximum) and most sent but not yet delivered; also the
                         subscribers' Receive Maximum (default 20)
  --threads T            worker threads, one io_context each (default 2)
  --messages M           throughput: messages in all (default 1000000)
  --rate R --seconds S   latency: R msgs/s over all pairs for S seconds (default 2000, 10)
  --warmup S             latency: seconds not recorded at the start (default 1)

mqtt-idle:
  --connections N        connections, one subscription each (default 1000)
  --per-process N        most connections per child process (default 9500)
  --source-addrs A-B     source addresses, a range 127.0.0.2-127.0.0.9 or a comma list
  --concurrency N        handshakes in flight per process (default 256)
  --hold S               hold S seconds instead of until SIGTERM

sync-sends / sync-catchup (irisd only):
  --secret-file F        irisd's auth.secret_file: signs the devices' tokens (required)
  --first-user N         first user id; a run uses N .. N + users - 1 (default: from the pid,
                         so runs against one irisd do not share users)
  --window W             unacknowledged sends per device (default 8)
  --text B               message text bytes (default 100)
  --threads T            worker threads (default 2)
  sync-sends:   --users N (even, default 1000); --messages M (closed loop, default 200000)
                or --rate R --seconds S --warmup S (open loop, sends/s over all users)
                or --seconds S --warmup S without --rate (timed closed loop: acked_per_s is
                the PUBACKs within the S seconds after the warm-up, over S)
                --grace S    seconds to wait after the last PUBACK for deliveries still on
                             their way before counting them lost (default 10)
                --cell NAME=HOST:PORT,...   a cell's servers (--cluster.name and MQTT port):
                             users from --first-user on, chosen and placed by the cell's ring,
                             each device connected to its user's owner (no relay)
                --cell-tokens N    the cell's cluster.tokens (default 2048)
                --pairs M    with --cell: mixed (consecutive users), cross (the two users of
                             each thread on two servers) or local (on one) (default mixed)
                Prints acked_lost and duplicates; exits 3 when either is not 0.
  sync-catchup: --backlog N  updates made while the device is offline (default 100000)
                --repeat R   catch-ups of that backlog, each a new session (default 1);
                             catchup_per_s is from their median
bandwidth (irisd only; --port is its MQTT over TLS port):
  --mode M               pull_json, delta_json or delta_thrift (default delta_thrift)
  --https-port P         irisd's HTTPS port (pull_json needs it)
  --secret-file F        irisd's token secret (<data_dir>/secret)
  --seed N --users N --days D   the workload (defaults 1, 40, 3)
  --keep-alive S         MQTT keep-alive in simulated seconds (default 300)
  --tls-resume B         1: a reconnecting device resumes its TLS session (default);
                         0: every connection is a full handshake
  --topic-aliases B      1: MQTT 5.0 topic aliases both ways (default); 0: full topics
  --skip-own B           delta modes: 1: a device takes its own requests from their results
                         and irisd leaves them out of its deltas (default); 0: echoed back
  --tls-session-lifetime S  simulated seconds a TLS ticket stays valid (default 86400,
                         irisd's tls.session_lifetime)
  --ack-delay S          simulated seconds a device may hold the PUBACK of a delta batch
                         or notify, to send it with its next packet (default 0: at once)
)";


// Every connection is a file descriptor: use the whole hard limit.
void raise_open_file_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

std::vector<asio::ip::address> parse_sources(const std::string& spec) {
  std::vector<asio::ip::address> out;
  if (spec.empty()) return out;
  if (const auto dash = spec.find('-'); dash != std::string::npos) {
    const auto first = asio::ip::make_address_v4(spec.substr(0, dash)).to_uint();
    const auto last = asio::ip::make_address_v4(spec.substr(dash + 1)).to_uint();
    if (last < first || last - first > 1024) throw std::runtime_error("--source-addrs: bad range");
    for (auto a = first; a <= last; ++a) out.emplace_back(asio::ip::address_v4(a));
    return out;
  }
  std::size_t at = 0;
  while (at <= spec.size()) {
    const auto comma = std::min(spec.find(',', at), spec.size());
    out.push_back(asio::ip::make_address(spec.substr(at, comma - at)));
    at = comma + 1;
  }
  return out;
}

double percentile_ms(const std::vector<std::int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto i = std::min(sorted.size() - 1, static_cast<std::size_t>(q * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[i]) / 1e6;
}

void print_latency(std::vector<std::int64_t> ns) {
  std::sort(ns.begin(), ns.end());
  std::printf("samples %zu\np50_ms %.3f\np99_ms %.3f\np999_ms %.3f\nmax_ms %.3f\n", ns.size(),
              percentile_ms(ns, 0.50), percentile_ms(ns, 0.99), percentile_ms(ns, 0.999),
              ns.empty() ? 0.0 : static_cast<double>(ns.back()) / 1e6);
}

std::string read_secret(const std::string& path) {
  std::ifstream in(path);
  std::string secret;
  if (!in || !std::getline(in, secret)) throw std::runtime_error("--secret-file: cannot read '" + path + "'");
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  if (secret.size() < 16) throw std::runtime_error("--secret-file: secret shorter than 16 bytes");
  return secret;
}

// --cell a=127.0.0.1:1883,b=...: the cell's servers by name, and the plan of users on them.
std::vector<SyncTarget> cell_targets(const std::string& spec, std::uint64_t tokens, std::uint64_t first_user,
                                     std::size_t users, const std::string& pairs) {
  if (tokens == 0 || tokens > 65536) throw std::runtime_error("--cell-tokens: 1-65536");
  PairMix mix;
  if (pairs == "mixed") mix = PairMix::mixed;
  else if (pairs == "cross") mix = PairMix::cross;
  else if (pairs == "local") mix = PairMix::local;
  else throw std::runtime_error("--pairs: mixed, cross or local");
  std::vector<std::string> names;
  std::vector<asio::ip::tcp::endpoint> brokers;
  std::size_t at = 0;
  while (at < spec.size()) {
    const auto comma = std::min(spec.find(',', at), spec.size());
    const std::string one = spec.substr(at, comma - at);
    const auto eq = one.find('='), colon = one.rfind(':');
    if (eq == std::string::npos || colon == std::string::npos || colon < eq) {
      throw std::runtime_error("--cell: NAME=HOST:PORT,... (got '" + one + "')");
    }
    const auto port = std::stoul(one.substr(colon + 1));
    if (port == 0 || port > 65535) throw std::runtime_error("--cell: port 1-65535 in '" + one + "'");
    names.push_back(one.substr(0, eq));
    brokers.emplace_back(asio::ip::make_address(one.substr(eq + 1, colon - eq - 1)), static_cast<std::uint16_t>(port));
    at = comma + 1;
  }
  std::vector<SyncTarget> out;
  for (const PlannedUser& p : plan_pairs(names, static_cast<std::uint32_t>(tokens), first_user, users, mix)) {
    out.push_back({p.user, brokers[p.server]});
  }
  return out;
}

int run_sync(const std::string& workload, Args& args, const asio::ip::tcp::endpoint& broker,
             mqtt::Version version) {
  SyncOptions o;
  o.broker = broker;
  o.version = version;
  const auto secret_file = args.get("secret-file");
  if (!secret_file) throw std::runtime_error("--secret-file: required (irisd's auth.secret_file)");
  o.secret = read_secret(*secret_file);
  o.first_user = args.u64("first-user", static_cast<std::uint64_t>(::getpid()) * 1'000'000 + 1);
  const auto window = args.u64("window", 8);
  if (window == 0 || window > 65535) throw std::runtime_error("--window: 1-65535");
  o.window = static_cast<std::uint16_t>(window);
  o.text = args.u64("text", 100);
  o.threads = args.u64("threads", 2);
  o.timeout_s = args.f64("timeout", 300);
  if (workload == "sync-catchup") {
    o.messages = args.u64("backlog", 100'000);
    o.repeats = args.u64("repeat", 1);
    args.check_all_used();
    std::printf("# sync-catchup: backlog %llu updates, made with window %u, caught up %zu times\n",
                static_cast<unsigned long long>(o.messages), static_cast<unsigned>(o.window), o.repeats);
    std::fflush(stdout);
    SyncCatchupResult r = run_sync_catchup(o);
    std::printf("backlog %llu\nbatches %llu\nfill_s %.3f\nfill_per_s %.0f\n",
                static_cast<unsigned long long>(r.backlog), static_cast<unsigned long long>(r.batches),
                r.fill_s, static_cast<double>(r.backlog) / r.fill_s);
    for (const double s : r.catchup_s) std::printf("catchup_s %.4f\n", s);
    std::sort(r.catchup_s.begin(), r.catchup_s.end());
    const double median = r.catchup_s[r.catchup_s.size() / 2];
    std::printf("catchup_per_s %.0f\n", static_cast<double>(r.backlog) / median);
    return 0;
  }
  o.users = args.u64("users", 1000);
  o.rate = args.f64("rate", 0);
  o.grace_s = args.f64("grace", 10);
  if (o.rate > 0) {
    const double seconds = args.f64("seconds", 10);
    o.warmup_s = args.f64("warmup", 1);
    if (seconds <= o.warmup_s) throw std::runtime_error("need --seconds > --warmup");
    o.messages = static_cast<std::uint64_t>(o.rate * seconds);
  } else if (const auto seconds = args.get("seconds")) {
    o.seconds = std::stod(*seconds);
    o.warmup_s = args.f64("warmup", 1);
    if (o.seconds <= 0 || o.warmup_s < 0) throw std::runtime_error("--seconds: > 0, --warmup: >= 0");
  } else {
    o.messages = args.u64("messages", 200'000);
  }
  if (const auto cell = args.get("cell")) {
    o.targets = cell_targets(*cell, args.u64("cell-tokens", cluster::kDefaultTokens), o.first_user, o.users,
                             args.str("pairs", "mixed"));
  }
  args.check_all_used();
  std::printf("# sync-sends: %zu users in %zu two-person threads, %zu-byte texts, window %u, %zu threads",
              o.targets.empty() ? o.users : o.targets.size(), (o.targets.empty() ? o.users : o.targets.size()) / 2,
              o.text, static_cast<unsigned>(o.window), o.threads);
  if (o.rate > 0 || o.seconds <= 0) std::printf(", %llu sends", static_cast<unsigned long long>(o.messages));
  if (o.rate > 0) std::printf(", %.0f sends/s, %.1f s warm-up", o.rate, o.warmup_s);
  if (o.rate <= 0 && o.seconds > 0) std::printf(" until a %.1f s window after %.1f s warm-up ends", o.seconds, o.warmup_s);
  if (!o.targets.empty()) std::printf(", users %llu.. placed by the cell's ring", static_cast<unsigned long long>(o.first_user));
  std::printf("\n");
  std::fflush(stdout);
  SyncSendsResult r = run_sync_sends(o);
  if (!o.targets.empty()) std::printf("pairs_cross %zu\npairs_local %zu\n", r.cross_pairs, o.targets.size() / 2 - r.cross_pairs);
  if (o.rate <= 0 && o.seconds > 0) {
    std::printf("acked_in_window %llu\nacked_per_s %.0f\n", static_cast<unsigned long long>(r.acked_in_window),
                static_cast<double>(r.acked_in_window) / o.seconds);
  }
  std::printf("acked_lost %llu\nduplicates %llu\n", static_cast<unsigned long long>(r.acked_lost),
              static_cast<unsigned long long>(r.duplicates));
  std::printf("sent %llu\nacked %llu\ndelivered %llu\nown_echoes %llu\nelapsed_s %.3f\nsends_per_s %.0f\n",
              static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.acked),
              static_cast<unsigned long long>(r.delivered), static_cast<unsigned long long>(r.own_echoes),
              r.elapsed_s, static_cast<double>(r.delivered) / r.elapsed_s);
  print_latency(r.latencies_ns);
  // The sender's share of that: the due time to its PUBACK (the sender's owner's commit).
  std::sort(r.ack_latencies_ns.begin(), r.ack_latencies_ns.end());
  std::printf("ack_p50_ms %.3f\nack_p99_ms %.3f\n", percentile_ms(r.ack_latencies_ns, 0.50),
              percentile_ms(r.ack_latencies_ns, 0.99));
  // Everything is printed; a lost or duplicated acknowledged send still fails the run.
  return r.acked_lost == 0 && r.duplicates == 0 ? 0 : 3;
}

// Median of `v` (0 when empty).
template <typename T>
double median(std::vector<T> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[v.size() / 2]);
}

int run_bandwidth(Args& args, const asio::ip::tcp::endpoint& mqtts, double timeout) {
  ReplayOptions o;
  o.mqtts = mqtts;
  const std::string mode = args.str("mode", "delta_thrift");
  if (mode == "pull_json") o.mode = ReplayMode::pull_json;
  else if (mode == "delta_json") o.mode = ReplayMode::delta_json;
  else if (mode == "delta_thrift") o.mode = ReplayMode::delta_thrift;
  else throw std::runtime_error("--mode: pull_json, delta_json or delta_thrift");
  if (const auto p = args.u64("https-port", 0); p != 0) {
    if (p > 65535) throw std::runtime_error("--https-port: 1-65535");
    o.https = asio::ip::tcp::endpoint(mqtts.address(), static_cast<std::uint16_t>(p));
  }
  const auto secret_file = args.get("secret-file");
  if (!secret_file) throw std::runtime_error("--secret-file: required");
  o.secret = read_secret(*secret_file);
  WorkloadOptions w;
  w.seed = args.u64("seed", 1);
  w.users = static_cast<std::uint32_t>(args.u64("users", 40));
  w.days = args.f64("days", 3);
  const auto keep_alive = args.u64("keep-alive", 300);
  if (keep_alive == 0 || keep_alive > 65535) throw std::runtime_error("--keep-alive: 1-65535");
  o.keep_alive_s = static_cast<std::uint16_t>(keep_alive);
  o.step_timeout_s = std::min(timeout, 30.0);
  const auto resume = args.u64("tls-resume", 1);
  if (resume > 1) throw std::runtime_error("--tls-resume: 0 or 1");
  o.tls_resume = resume == 1;
  o.tls_session_lifetime_s = static_cast<std::int64_t>(args.u64("tls-session-lifetime", 86400));
  o.ack_delay_s = args.f64("ack-delay", 0);
  if (o.ack_delay_s < 0) throw std::runtime_error("--ack-delay: >= 0");
  const auto aliases = args.u64("topic-aliases", 1);
  if (aliases > 1) throw std::runtime_error("--topic-aliases: 0 or 1");
  o.topic_aliases = aliases == 1;
  const auto skip_own = args.u64("skip-own", 1);
  if (skip_own > 1) throw std::runtime_error("--skip-own: 0 or 1");
  o.skip_own = skip_own == 1;
  args.check_all_used();
  const ChatWorkload workload = generate_chat_workload(w);
  std::printf("# bandwidth %s: seed %llu, %u users, %zu devices, %zu threads, %.1f days, "
              "%zu events, %zu messages, keep-alive %us\n",
              mode.c_str(), static_cast<unsigned long long>(w.seed), w.users,
              workload.devices.size(), workload.threads.size(), w.days, workload.events.size(),
              workload.texts.size(), static_cast<unsigned>(o.keep_alive_s));
  std::fflush(stdout);
  const auto started = Clock::now();
  const ReplayResult r = run_bandwidth_replay(workload, o);
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  std::vector<std::uint32_t> trips;
  std::vector<double> ms, bytes;
  for (const CatchUp& c : r.catch_ups) {
    if (c.cold || c.offline_ms < static_cast<std::int64_t>(o.day_away_h * 3'600'000)) continue;
    trips.push_back(c.round_trips);
    ms.push_back(c.wall_ms);
    bytes.push_back(static_cast<double>(c.bytes));
  }
  const double device_days = static_cast<double>(r.devices) * r.days;
  std::printf("devices %zu\ndays %.2f\nsends %llu\nreads %llu\nreconnects %llu\ncold_starts %llu\n"
              "pings %llu\nfetches %llu\n",
              r.devices, r.days, static_cast<unsigned long long>(r.sends),
              static_cast<unsigned long long>(r.reads), static_cast<unsigned long long>(r.reconnects),
              static_cast<unsigned long long>(r.cold_starts), static_cast<unsigned long long>(r.pings),
              static_cast<unsigned long long>(r.fetches));
  std::printf("mqtt_connections %llu\nmqtt_tls_resumed %llu\nhttps_connections %llu\n"
              "https_tls_resumed %llu\nmqtt_connect_bytes_mean %.0f\n"
              "mqtt_connect_bytes_per_device_day %.0f\n",
              static_cast<unsigned long long>(r.connections),
              static_cast<unsigned long long>(r.resumed),
              static_cast<unsigned long long>(r.https_connections),
              static_cast<unsigned long long>(r.https_resumed),
              r.connections ? static_cast<double>(r.connect_bytes) / static_cast<double>(r.connections) : 0.0,
              static_cast<double>(r.connect_bytes) / device_days);
  std::printf("bytes_up_per_device_day %.0f\nbytes_down_per_device_day %.0f\n"
              "bytes_per_device_day %.0f\n",
              static_cast<double>(r.bytes.sent) / device_days,
              static_cast<double>(r.bytes.received) / device_days, r.per_device_day());
  std::uint64_t mqtt_total = 0;
  for (const auto& [what, n] : r.mqtt_bytes) {
    mqtt_total += n;
    std::printf("mqtt_bytes_per_device_day.%s %.0f\n", what.c_str(),
                static_cast<double>(n) / device_days);
  }
  std::printf("tls_http_connect_bytes_per_device_day %.0f\n",
              static_cast<double>(r.bytes.total() - mqtt_total) / device_days);
  std::printf("mqtt_tls_records_per_device_day.up %.0f\nmqtt_tls_records_per_device_day.down %.0f\n",
              static_cast<double>(r.mqtt_records.sent) / device_days,
              static_cast<double>(r.mqtt_records.received) / device_days);
  std::printf("day_away_catch_ups %zu\ncatchup_round_trips_median %.0f\ncatchup_round_trips_max %u\n"
              "catchup_ms_median %.2f\ncatchup_bytes_median %.0f\nelapsed_s %.1f\n",
              trips.size(), median(trips),
              trips.empty() ? 0u : *std::max_element(trips.begin(), trips.end()), median(ms),
              median(bytes), elapsed);
  return 0;
}

int run(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string workload = argv[1];
  Args args(argc, argv, 2);
  const auto port = args.u64("port", 0);
  if (port == 0 || port > 65535) throw std::runtime_error("--port: required, 1-65535");
  const asio::ip::tcp::endpoint broker(asio::ip::make_address(args.str("host", "127.0.0.1")),
                                       static_cast<std::uint16_t>(port));
  const std::string version_flag = args.str("mqtt-version", "5");
  if (version_flag != "5" && version_flag != "3.1.1") throw std::runtime_error("--mqtt-version: 5 or 3.1.1");
  const auto version = version_flag == "5" ? mqtt::Version::v5 : mqtt::Version::v3_1_1;
  const auto username = args.get("username");
  const auto password = args.get("password");
  const double timeout = args.f64("timeout", 300);
  raise_open_file_limit();

  if (workload == "bandwidth") return run_bandwidth(args, broker, timeout);
  if (workload == "mqtt-idle") {
    IdleOptions o;
    o.broker = broker;
    o.version = version;
    o.username = username;
    o.password = password;
    o.topic_prefix = args.str("topic-prefix", "idle/");
    o.connections = args.u64("connections", 1000);
    o.per_process = args.u64("per-process", 9500);
    o.sources = parse_sources(args.str("source-addrs", ""));
    o.concurrency = args.u64("concurrency", 256);
    o.hold_s = args.f64("hold", 0);
    o.timeout_s = timeout;
    args.check_all_used();
    std::printf("# mqtt-idle: %zu connections, one QoS 1 subscription each, %zu source addresses\n",
                o.connections, o.sources.size());
    std::fflush(stdout);
    return run_idle(o);
  }
  if (workload == "sync-sends" || workload == "sync-catchup") {
    return run_sync(workload, args, broker, version);
  }
  if (workload != "mqtt-throughput" && workload != "mqtt-latency") {
    throw std::runtime_error("unknown workload '" + workload + "' (see iris-bench --help)");
  }
  const bool latency = workload == "mqtt-latency";
  PairsOptions o;
  o.broker = broker;
  o.version = version;
  o.username = username;
  o.password = password;
  o.topic_prefix = args.str("topic-prefix", "bench/");
  o.pairs = args.u64("pairs", 100);
  o.payload = args.u64("payload", 100);
  const auto window = args.u64("window", 20);
  if (window == 0 || window > 65535) throw std::runtime_error("--window: 1-65535");
  o.window = static_cast<std::uint16_t>(window);
  o.threads = args.u64("threads", 2);
  o.timeout_s = timeout;
  if (latency) {
    o.rate = args.f64("rate", 2000);
    const double seconds = args.f64("seconds", 10);
    o.warmup_s = args.f64("warmup", 1);
    if (o.rate <= 0 || seconds <= o.warmup_s) throw std::runtime_error("need --rate > 0 and --seconds > --warmup");
    o.messages = static_cast<std::uint64_t>(o.rate * seconds);
  } else {
    o.messages = args.u64("messages", 1'000'000);
  }
  args.check_all_used();
  std::printf("# %s: %zu pairs, QoS 1, %zu-byte payloads, window %u, %zu threads, %llu messages",
              workload.c_str(), o.pairs, o.payload, static_cast<unsigned>(o.window), o.threads,
              static_cast<unsigned long long>(o.messages));
  if (latency) std::printf(", %.0f msgs/s, %.1f s warm-up", o.rate, o.warmup_s);
  std::printf("\n");
  std::fflush(stdout);
  const PairsResult r = run_pairs(o);
  std::printf("window %u\ndelivered %llu\nelapsed_s %.3f\nmsgs_per_s %.0f\n",
              static_cast<unsigned>(r.window), static_cast<unsigned long long>(r.delivered),
              r.elapsed_s, static_cast<double>(r.delivered) / r.elapsed_s);
  print_latency(r.latencies_ns);
  return 0;
}

}  // namespace
}  // namespace iris::bench

int main(int argc, char** argv) {
  try {
    return iris::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "iris-bench: %s\n", e.what());
    return 1;
  }
}
