#pragma once
// RunState: what a workload's main thread and its worker threads share (pairs_workload,
// sync_workload): connections ready, the first failure, when the run starts and from when
// latencies count, the last delivery. Workers write; the main thread polls with wait_for().

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "apps/iris-bench/mqtt_client.h"

namespace iris::bench {

struct RunState {
  std::atomic<std::size_t> ready{0};
  std::atomic<std::int64_t> last_delivery_ns{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;  // GUARDED_BY(error_mutex): the first failure
  // Written by the main thread before it posts the start to the workers (the post orders it).
  Clock::time_point start;
  std::int64_t record_from_ns = 0;

  void fail(const std::string& what) {
    std::lock_guard lock(error_mutex);
    if (!failed.exchange(true)) error = what;
  }
  void delivered_at(std::int64_t now_ns) {
    std::int64_t last = last_delivery_ns.load();
    while (last < now_ns && !last_delivery_ns.compare_exchange_weak(last, now_ns)) {
    }
  }
};

// Polls until `done` or a failure or the deadline; throws on the last two.
template <typename Done>
void wait_for(RunState& state, Clock::time_point deadline, const std::string& what, Done done) {
  while (!done()) {
    if (state.failed.load()) {
      std::lock_guard lock(state.error_mutex);
      throw std::runtime_error(state.error);
    }
    if (Clock::now() > deadline) throw std::runtime_error("timed out " + what);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace iris::bench
