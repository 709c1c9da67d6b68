#pragma once
// Sync workloads: irisd's sync service driven as devices drive it (docs/PROTOCOL.md "Sync over
// MQTT"), for `scripts/bench sync`. Every device logs in with a token signed by the server's
// secret (net::TokenSigner), so the benchmark needs irisd's auth.secret_file.
//
// sync-sends (run_sync_sends): `users` users, one device each, in users / 2 two-person threads.
// Every device first resumes (once with epoch 0 to learn its queue's epoch and head from the
// resync, then from there) and streams; then the threads are created by create_thread_request
// (user 2t creates thread t with user 2t + 1), so each send is pushed to both participants'
// devices. Once every device's stream has shown its thread_created, each user sends
// message after message into its thread, at most `window` sends unacknowledged (PUBACK, which
// irisd sends only once the send is durable in both queues).
//   - open loop (rate > 0): send k overall is due at start + k / rate, round-robin over the
//     users, whatever irisd's progress; the send's client id carries its due time, so latency
//     = delivery at the other participant's device - due time, waits for the window included
//     (no coordinated omission). Sends due in the first `warmup_s` are not recorded.
//   - closed loop (rate == 0): each device sends as its window allows, `messages` in all;
//     throughput = deliveries to the other participants / (last delivery - start).
//   - timed closed loop (rate == 0, seconds > 0): each device sends as its window allows for
//     warmup_s + seconds; throughput = PUBACKs within the last `seconds` / seconds.
// Cluster runs (`targets`, from cell_plan.h): the users and the server each device connects
// to (its user's owner); pairs are consecutive targets. Every run checks that each
// acknowledged send reached the other participant's device (acked_lost), waiting up to
// grace_s after the last PUBACK for the deliveries still on their way (the timed and open
// loops; the closed loop of `messages` sends waits for every delivery, up to timeout_s).
// sync-catchup (run_sync_catchup): user A creates a thread with user B and goes offline; B
// sends `backlog` messages into it (window `window`); A's device comes back, resumes from
// where it left and the time from that resume to the batch that reaches A's head gives the
// catch-up rate; it comes back `repeats` times (a new session each time, from the same
// position), so one backlog gives several measurements. Which tier serves it is irisd's
// configuration (sync.memory.*).
//
// Threads: `threads` workers, one io_context each; both devices of a thread on the same
// worker. The main thread only starts, polls and stops.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "apps/iris-bench/mqtt_client.h"
#include "core/ids.h"

namespace iris::bench {

struct SyncTarget {
  core::UserId user;
  asio::ip::tcp::endpoint broker;
};

struct SyncOptions {
  asio::ip::tcp::endpoint broker;
  std::vector<SyncTarget> targets;  // sync-sends: when not empty, the users (and `users` is its size)
  mqtt::Version version = mqtt::Version::v5;
  std::string secret;       // irisd's token secret (the first line of its auth.secret_file)
  std::uint64_t first_user = 1;  // users are first_user .. first_user + users - 1
  std::size_t users = 1000;      // even
  std::size_t text = 100;        // bytes of message text per send
  std::uint16_t window = 8;      // unacknowledged sends per device (capped by Receive Maximum)
  std::size_t threads = 2;
  std::uint64_t messages = 1'000'000;  // closed loop: sends in all; open loop: rate * seconds
  double rate = 0;                     // sends per second over all users; 0 = closed loop
  double warmup_s = 0;
  double seconds = 0;   // closed loop: 0 = `messages` sends; else the measured window
  double grace_s = 10;  // after the last PUBACK, for deliveries still on their way
  double timeout_s = 300;
  std::size_t repeats = 1;  // catch-up: times the device comes back and catches up
};

struct SyncSendsResult {
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;       // PUBACKs: durable sends
  std::uint64_t delivered = 0;   // pushes of others' messages received (one per send)
  std::uint64_t own_echoes = 0;  // pushes of a device's own sends (the second push of each)
  double elapsed_s = 0;          // start to last delivery
  std::uint64_t acked_in_window = 0;  // timed closed loop: PUBACKs within the measured window
  std::uint64_t acked_lost = 0;  // acknowledged sends the other participant's device never got
  std::uint64_t duplicates = 0;  // sends a device got more than once
  std::size_t cross_pairs = 0;   // pairs whose two devices are on different servers (targets)
  std::vector<std::int64_t> latencies_ns;  // recorded sends, unsorted
  std::vector<std::int64_t> ack_latencies_ns;  // the same sends, due time to the PUBACK
};

SyncSendsResult run_sync_sends(const SyncOptions& options);

struct SyncCatchupResult {
  std::uint64_t backlog = 0;     // updates streamed (head - resumed position)
  double fill_s = 0;             // making the backlog: first send to last PUBACK
  std::vector<double> catchup_s;  // each repeat: resume sent to the batch reaching the head
  std::uint64_t batches = 0;      // of the last repeat
};

// Uses options.first_user and first_user + 1, options.messages as the backlog and
// options.window for the sends that make it, options.repeats.
SyncCatchupResult run_sync_catchup(const SyncOptions& options);

}  // namespace iris::bench
