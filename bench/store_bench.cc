// Queue store benchmark: durable appends, on RocksDB with a synced WAL (StoreOptions::sync =
// true) or on MariaDB (--backend mariadb: committed, and with a semi-sync pair also on the
// replica, before the acknowledgement).
//
// Workloads:
//   closed loop  --producers N: N producers, each with one append outstanding at a time
//                (it submits the next when the previous one is acknowledged); every append
//                is one 200-byte update (encoded record size) to one of 1,000 users.
//                Prints appends/s.
//   open loop    --rate R: appends submitted at a fixed R per second regardless of
//                completions; prints p50/p99/p99.9 latency from submission to
//                acknowledgement (durable).
// Backends: --backend rocksdb (default; --dir, wiped before and after) or --backend mariadb
// --servers HOST:PORT[,HOST:PORT] --database D --user U --password P (the queue tables are
// dropped before the run, so each run starts empty) [--commit_connections C] (groups in
// flight; default MariaDbOptions' 4, 1 for the one-commit-at-a-time store).
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
#include "store/errc.h"
#include "store/mariadb/connection.h"
#include "store/mariadb/mariadb_queue_store.h"
#include "store/rocksdb/rocksdb_queue_store.h"

namespace {

using namespace iris;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string backend = "rocksdb";
  std::string dir = "/tmp/iris-store-bench";
  iris::store::MariaDbOptions mariadb;
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

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t comma; (comma = list.find(',', start)) != std::string::npos; start = comma + 1) {
    out.push_back(list.substr(start, comma - start));
  }
  out.push_back(list.substr(start));
  return out;
}

// Each MariaDB run starts from empty queue tables (the store creates them again).
bool drop_queue_tables(const store::MariaDbOptions& m) {
  for (const auto& server : m.servers) {
    auto addr = store::mariadb::parse_server(server);
    if (!addr) return false;
    auto c = store::mariadb::Connection::open(*addr, m);
    if (!c) continue;
    auto writable = c->writable();
    if (!writable || !*writable) continue;
    return c->execute("DROP TABLE IF EXISTS queue_meta, queue_updates, queue_cursors, queue_idempotency")
        .has_value();
  }
  std::fprintf(stderr, "store_bench: no writable MariaDB server\n");
  return false;
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
    else if (k == "--backend") a.backend = argv[i + 1];
    else if (k == "--servers") a.mariadb.servers = split(argv[i + 1]);
    else if (k == "--database") a.mariadb.database = argv[i + 1];
    else if (k == "--user") a.mariadb.user = argv[i + 1];
    else if (k == "--password") a.mariadb.password = argv[i + 1];
    else if (k == "--commit_connections") a.mariadb.commit_connections = std::strtoul(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr,
                   "usage: store_bench [--backend rocksdb [--dir D] | --backend mariadb --servers "
                   "A[,B] --database D --user U --password P [--commit_connections C]] (--producers N | --rate R) "
                   "[--seconds S]\n");
      return 2;
    }
  }
  store::StoreOptions o;
  o.path = a.dir;
  o.sync = true;
  Result<std::unique_ptr<store::QueueStore>> s = fail(store::errc::open_failed);
  if (a.backend == "mariadb") {
    if (!drop_queue_tables(a.mariadb)) return 1;
    s = store::open_mariadb_queue_store(o, a.mariadb);
  } else {
    std::filesystem::remove_all(a.dir);
    s = store::open_rocksdb_queue_store(o);
  }
  if (!s) {
    std::fprintf(stderr, "store_bench: cannot open the %s store: %s\n", a.backend.c_str(),
                 s.error().message().c_str());
    return 1;
  }
  if (a.producers > 0) std::printf("appends_per_s %.0f\n", closed_loop(**s, a.producers, a.seconds));
  if (a.rate > 0) open_loop(**s, a.rate, a.seconds);
  // Where the time goes: group commits (write + sync, or transaction + COMMIT) and their mean.
  const auto commits = (*s)->stats().commits;
  if (commits.count > 0) {
    std::printf("commits %llu\ncommit_mean_ms %.3f\n", static_cast<unsigned long long>(commits.count),
                1000.0 * commits.sum_seconds / static_cast<double>(commits.count));
  }
  s->reset();
  if (a.backend != "mariadb") std::filesystem::remove_all(a.dir);
}
