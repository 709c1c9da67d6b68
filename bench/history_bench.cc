// History writer benchmark: how many queue updates per second the history writer applies to
// the embedded history store, end to end.
//
// Workload: a RocksDB queue store filled (not measured) with --updates updates over --users
// users, one thread each: a ThreadCreated, then messages of 100 bytes of text with, per 100
// updates, 8 read receipts, 4 edits and 2 deletes of earlier messages. Then one HistoryWriter
// catches every queue up from nothing (track_all_queues, then passes until idle) into a fresh
// SQLite history store (WAL, synchronous=FULL) with --batch updates per transaction; the
// storage cursor writes go to the queue store with a synced WAL, as in irisd. Measured: the
// catch-up, from the first pass to idle: queue reads + history transactions + cursor writes.
// At the end every user's history is compared with its queue, update by update.
//
// Output: `apply_per_s`, `batches`, `write_p50_ms`, `write_p99_ms` (history transaction
// latency), `converged` (1 or the program fails), one `name value` per line.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "base/log.h"
#include "store/rocksdb/rocksdb_queue_store.h"
#include "store/sqlite/sqlite_history_store.h"
#include "sync/history_check.h"
#include "sync/history_writer.h"

namespace {

using namespace iris;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string dir = "/tmp/iris-history-bench";
  std::uint64_t users = 1000;
  std::uint64_t updates = 200'000;
  std::size_t batch = sync::HistoryWriterOptions{}.batch_updates;  // irisd's default
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "history_bench: %s\n", what.c_str());
  std::exit(1);
}

core::Update make_update(std::uint64_t user, std::uint64_t i, std::uint64_t& next_message) {
  static const std::string text(100, 'x');
  const core::Timestamp now = sync::HistoryWriter::system_clock();
  const core::ThreadId thread{user};
  const core::UserId peer{user + 1'000'000};
  if (i == 0) return {core::Seq{0}, now, thread, core::UserId{user}, core::ThreadCreated{"t", {core::UserId{user}, peer}}};
  const std::uint64_t r = i % 100;
  const core::MessageId earlier{next_message > 1 ? next_message - 1 : 1};
  if (r < 8) return {core::Seq{0}, now, thread, core::UserId{user}, core::ReadReceipt{core::UserId{user}, earlier}};
  if (r < 12) return {core::Seq{0}, now, thread, peer, core::MessageEdited{earlier, text}};
  if (r < 14) return {core::Seq{0}, now, thread, peer, core::MessageDeleted{earlier}};
  const core::MessageId id{next_message++};
  return {core::Seq{0}, now, thread, peer, core::MessageCreated{id, core::ClientMsgId{0, id.value()}, text, std::nullopt}};
}

void fill(const Args& a) {
  store::StoreOptions o;
  o.path = a.dir + "/queue";
  o.sync = false;  // the fill is not measured
  auto queue = store::open_rocksdb_queue_store(o);
  if (!queue) die("cannot open the queue store: " + queue.error().message());
  std::atomic<std::uint64_t> done{0};
  std::atomic<bool> failed{false};
  std::uint64_t next_message = 1;
  const std::uint64_t per_user = a.updates / a.users;
  for (std::uint64_t i = 0; i < per_user; ++i) {
    for (std::uint64_t u = 1; u <= a.users; ++u) {
      store::AppendRequest r;
      r.entries.push_back({core::UserId{u}, make_update(u, i, next_message)});
      (*queue)->async_append(std::move(r), [&](Result<store::AppendResult> res) {
        if (!res) failed = true;
        done.fetch_add(1);
      });
    }
    while (done.load() + 20'000 < (i + 1) * a.users) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  while (done.load() < per_user * a.users) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (failed) die("fill: an append failed");
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--dir") a.dir = v;
    else if (k == "--users") a.users = std::stoull(v);
    else if (k == "--updates") a.updates = std::stoull(v);
    else if (k == "--batch") a.batch = std::stoull(v);
    else die("unknown option " + k + " (--dir --users --updates --batch)");
  }
  if (a.users == 0 || a.updates < a.users || a.batch == 0) die("need users > 0, updates >= users, batch > 0");
  log::set_level(log::Level::warn);
  std::filesystem::remove_all(a.dir);
  fill(a);

  store::StoreOptions o;
  o.path = a.dir + "/queue";
  auto queue = store::open_rocksdb_queue_store(o);
  if (!queue) die("cannot reopen the queue store: " + queue.error().message());
  auto history = store::open_sqlite_history_store({a.dir + "/history", std::chrono::milliseconds{1000}});
  sync::HistoryWriterOptions wo;
  wo.batch_updates = a.batch;
  sync::HistoryWriter writer(**queue, *history, wo);
  if (!writer.track_all_queues()) die("cannot list the queues");

  const auto t0 = Clock::now();
  while (!writer.idle()) {
    if (auto r = writer.run_once(); !r) die("history write failed: " + r.error().message());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto m = writer.metrics();
  if (m.applied != (a.updates / a.users) * a.users) die("applied " + std::to_string(m.applied) + " updates");

  for (std::uint64_t u = 1; u <= a.users; ++u) {
    auto c = sync::check_history(**queue, *history, core::UserId{u});
    if (!c || !c->converged()) die("user " + std::to_string(u) + ": history differs from the queue");
  }
  std::printf("apply_per_s %.0f\n", static_cast<double>(m.applied) / seconds);
  std::printf("batches %llu\n", static_cast<unsigned long long>(m.batches));
  std::printf("write_p50_ms %.3f\n", static_cast<double>(m.write_latency.quantile(0.5).count()) / 1000.0);
  std::printf("write_p99_ms %.3f\n", static_cast<double>(m.write_latency.quantile(0.99).count()) / 1000.0);
  std::printf("converged 1\n");
  std::filesystem::remove_all(a.dir);
  return 0;
}
