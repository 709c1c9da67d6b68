#pragma once
// ChatWorkload: a seeded, reproducible model of what a population of chat users does over
// simulated days, for the bandwidth replay (`iris-bench bandwidth`). It is pure: no clock, no
// I/O; the same options give the same events on every machine and standard library (the
// random numbers and every distribution are computed here, not by <random>'s distributions,
// whose results are implementation-defined).
//
// The model (every number is a field of WorkloadOptions):
// - Users have a phone and, some of them, a laptop. Each device alternates online spells
//   (exponential, mean `online_mean_min`) and offline spells drawn from a mix: minutes
//   (exponential), hours (uniform 1-8 h) or one to two days. Some devices are also forced
//   to stay away a whole day once, so every run has "back after a day offline" cases.
//   Coming online is a cold start (local state lost: reinstall, new phone) with probability
//   `cold_start_per_day` per device and simulated day.
// - Threads: 1:1 threads between random pairs (about `contacts` per user) and group threads
//   of 3..`max_group` members.
// - Conversations come in sessions: each thread starts sessions at Poisson times (fewer at
//   night); a session is a run of messages from participants who have a device online,
//   seconds to a minute apart, with bursts (one sender, several messages 1-4 s apart).
//   Lengths are log-normal (median `text_median` bytes) up to `text_max`; the text is made of
//   common English words, so compression sees realistic redundancy.
// - Reading: a participant marks the thread read (a read receipt up to the newest message)
//   before replying, and others online read at the end of a session.
//
// Indices: users, devices, threads and messages are numbered from 0 in this workload; the
// replay maps them to server ids. Messages are numbered in send order (event order).

#include <cstdint>
#include <string>
#include <vector>

namespace iris::bench {

// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and fully specified, so a seed means the
// same stream everywhere.
class WorkloadRng {
 public:
  explicit WorkloadRng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [0, 1).
  double uniform();
  // Uniform in [0, n). Requires: n > 0.
  std::uint64_t below(std::uint64_t n);
  bool chance(double p) { return uniform() < p; }
  double exponential(double mean);
  // Standard normal (Box-Muller).
  double normal();

 private:
  std::uint64_t state_;
};

struct WorkloadOptions {
  std::uint64_t seed = 1;
  std::uint32_t users = 40;
  // Simulated time; events fall in [0, days * 24 h).
  double days = 3;
  // Share of users who also have a laptop.
  double laptop_share = 0.4;
  // Average 1:1 threads per user (each thread counts for both users).
  double contacts = 4;
  // Group threads per user (a group has several users, so groups = users * this).
  double groups_per_user = 0.25;
  std::uint32_t max_group = 8;
  // Sessions started per thread per simulated day (before the night-time thinning).
  double sessions_per_day_1to1 = 3;
  double sessions_per_day_group = 4;
  // Messages per session: geometric with this mean.
  double messages_per_session = 6;
  // Gap between turns in a session, exponential, seconds.
  double turn_gap_s = 25;
  // Probability that a turn is a burst of 2-4 messages 1-4 s apart.
  double burst_share = 0.3;
  // Log-normal text length: median bytes and sigma of the log.
  double text_median = 30;
  double text_sigma = 1.0;
  std::uint32_t text_max = 2000;
  // Online spell, exponential mean in minutes.
  double online_mean_min = 90;
  // Offline spell mix: minutes (exponential, mean `offline_minutes_mean_min`) with this
  // probability, hours with `offline_hours_share`, else one to two days.
  double offline_minutes_share = 0.65;
  double offline_minutes_mean_min = 15;
  double offline_hours_share = 0.30;
  // Share of devices that are also taken offline for one whole day (24-30 h) once.
  double day_away_share = 0.25;
  // Probability per device per simulated day that coming online is a cold start.
  double cold_start_per_day = 0.03;
  // Share of devices online at time 0 (all devices start with the state as of time 0).
  double online_at_start = 0.6;
};

enum class EventKind : std::uint8_t {
  go_offline,   // the device drops its connection
  go_online,    // the device connects and catches up from the state it has
  cold_start,   // the device connects with no local state (fresh install)
  send,         // the device sends `message` (new) to `thread`
  read,         // the device marks `thread` read up to `message`
};

struct WorkloadEvent {
  std::int64_t at_ms = 0;  // simulated time since the start
  EventKind kind = EventKind::send;
  std::uint32_t device = 0;
  std::uint32_t thread = 0;   // send, read
  std::uint32_t message = 0;  // send: the new message's index; read: the watermark
  bool operator==(const WorkloadEvent&) const = default;
};

struct WorkloadThread {
  std::vector<std::uint32_t> participants;  // participants[0] creates the thread
  std::string name;                         // empty for 1:1 threads
  bool group = false;
  bool operator==(const WorkloadThread&) const = default;
};

struct WorkloadDevice {
  std::uint32_t user = 0;
  std::string name;  // "phone" or "laptop"
  bool online_at_start = false;
  bool operator==(const WorkloadDevice&) const = default;
};

struct ChatWorkload {
  WorkloadOptions options;
  std::uint32_t users = 0;
  std::vector<WorkloadThread> threads;
  std::vector<WorkloadDevice> devices;
  std::vector<WorkloadEvent> events;  // ordered by at_ms
  std::vector<std::string> texts;     // by message index
  std::vector<std::uint32_t> message_thread;  // by message index
  std::int64_t end_ms = 0;
};

// Requires: users >= 2, days > 0, max_group >= 3; throws std::invalid_argument otherwise.
ChatWorkload generate_chat_workload(const WorkloadOptions& options);

}  // namespace iris::bench
