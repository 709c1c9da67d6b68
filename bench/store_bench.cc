// Queue store benchmark: durable appends with a synced WAL (StoreOptions::sync = true).
//
// Workloads:
//   closed loop  --producers N: N producers, each with one append outstanding at a time
//                (it submits the next when the previous one is acknowledged); every append
//                is one 200-byte update (encoded record size) to one of 1,000 users.
//                Prints appends/s.
//   open loop    --rate R: appends submitted at a fixed R per second regardless of
//                completions; prints p50/p99/p99.9 latency from submission to
//                acknowledgement (durable).
// Output: one `name value` line per figure, for scripts/bench to take medians.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/testing/random_updates.h"
#include "store/rocksdb/rocksdb_queue_store.h"

namespace {

using namespace iris;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string dir = "/tmp/iris-store-bench";
  int producers = 0;
  int rate = 0;
  double seconds = 5;
};

store::AppendRequest make_request(std::uint64_t n) {
  // Encoded record: ~20 bytes of header and ids + 180 bytes of text = ~200 bytes.
  static const std::string text(180, 'x');
  store::AppendRequest r;
  r.entries.push_back({core::UserId{n % 1000 + 1}, core::testing::message(core::ThreadId{n % 500}, core::UserId{n % 1000 + 1}, text)});
  return r;
}

double closed_loop(store::QueueStore& s, int producers, double seconds) {
  std::atomic<std::uint64_t> done{0};
  std::atomic<bool> stop{false};
  std::atomic<int> outstanding{producers};
  std::function<void(std::uint64_t)> submit = [&](std::uint64_t n) {
    s.async_append(make_request(n), [&, n](Result<store::AppendResult> r) {
      if (!r) {
        std::fprintf(stderr, "append failed: %s\n", r.error().message().c_str());
        std::exit(1);
      }
      done.fetch_add(1, std::memory_order_relaxed);
      if (stop.load(std::memory_order_relaxed)) {
        outstanding.fetch_sub(1);
        return;
      }
      submit(n + static_cast<std::uint64_t>(producers));
    });
  };
  // Warm up for a fifth of the time, then measure.
  for (int p = 0; p < producers; ++p) submit(static_cast<std::uint64_t>(p));
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds / 5));
  const auto start_count = done.load();
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const auto count = done.load() - start_count;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  stop = true;
  while (outstanding.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return static_cast<double>(count) / elapsed;
}

void open_loop(store::QueueStore& s, int rate, double seconds) {
  const auto total = static_cast<std::uint64_t>(rate * seconds);
  std::vector<double> latencies_ms(total);
  std::atomic<std::uint64_t> completed{0};
  const auto interval = std::chrono::duration<double>(1.0 / rate);
  const auto start = Clock::now();
  std::uint64_t next = 0;
  while (next < total) {
    // Wake every 200 us and submit every append that has come due: the rate holds, and the
    // submitter does not take a core from the commit thread with 20,000 wake-ups/s. An
    // append waits at most 200 us for its tick, and that wait counts in its latency.
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    const auto now = Clock::now();
    for (; next < total; ++next) {
      const auto due = start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(next));
      if (due > now) break;
      // Latency counts from when the append was due, so a late submitter is not hidden
      // (no coordinated omission).
      s.async_append(make_request(next), [&, i = next, due](Result<store::AppendResult> r) {
        if (!r) std::exit(1);
        latencies_ms[i] = std::chrono::duration<double, std::milli>(Clock::now() - due).count();
        completed.fetch_add(1, std::memory_order_release);
      });
    }
  }
  while (completed.load(std::memory_order_acquire) < total) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) { return latencies_ms[static_cast<std::size_t>(p * static_cast<double>(total - 1))]; };
  std::printf("append_p50_ms %.3f\nappend_p99_ms %.3f\nappend_p999_ms %.3f\n", pct(0.50), pct(0.99), pct(0.999));
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--dir") a.dir = argv[i + 1];
    else if (k == "--producers") a.producers = std::atoi(argv[i + 1]);
    else if (k == "--rate") a.rate = std::atoi(argv[i + 1]);
    else if (k == "--seconds") a.seconds = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: store_bench [--dir D] (--producers N | --rate R) [--seconds S]\n");
      return 2;
    }
  }
  std::filesystem::remove_all(a.dir);
  store::StoreOptions o;
  o.path = a.dir;
  o.sync = true;
  auto s = store::open_rocksdb_queue_store(o);
  if (!s) return 1;
  if (a.producers > 0) std::printf("appends_per_s %.0f\n", closed_loop(**s, a.producers, a.seconds));
  if (a.rate > 0) open_loop(**s, a.rate, a.seconds);
  s->reset();
  std::filesystem::remove_all(a.dir);
}
