// Child process of the crash tests (crash_recovery_test.cc, mariadb_queue_store_test.cc):
//   crash_writer RUN rocksdb DB_DIR
//   crash_writer RUN mariadb SERVER DATABASE USER PASSWORD Appends forever from several
// producer threads and prints one line per ACKNOWLEDGED append, so the parent knows exactly
// what the store promised before it was killed with SIGKILL:
//   <run> <producer> <counter> <seq of user 1> <seq of user 2>
// Each append names two users (atomicity across queues) and carries the idempotency key
// (sender 1, client id {run, producer << 32 | counter}); its text is "r<run>p<producer>c<counter>".
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/testing/random_updates.h"
#include "store/errc.h"
#include "store/mariadb/mariadb_queue_store.h"
#include "store/rocksdb/rocksdb_queue_store.h"

int main(int argc, char** argv) {
  using namespace iris;
  const std::string backend = argc > 2 ? argv[2] : "";
  if (!((backend == "rocksdb" && argc == 4) || (backend == "mariadb" && argc == 7))) {
    std::fprintf(stderr, "usage: %s RUN rocksdb DB_DIR | RUN mariadb SERVER DATABASE USER PASSWORD\n", argv[0]);
    return 2;
  }
  const std::uint64_t run = std::strtoull(argv[1], nullptr, 10);
  store::StoreOptions options;
  Result<std::unique_ptr<store::QueueStore>> opened = fail(store::errc::open_failed);
  if (backend == "rocksdb") {
    options.path = argv[3];
    opened = store::open_rocksdb_queue_store(options);
  } else {
    store::MariaDbOptions mariadb;
    mariadb.servers = {argv[3]};
    mariadb.database = argv[4];
    mariadb.user = argv[5];
    mariadb.password = argv[6];
    opened = store::open_mariadb_queue_store(options, mariadb);
  }
  if (!opened) {
    std::fprintf(stderr, "crash_writer: open failed: %s\n", opened.error().message().c_str());
    return 1;
  }
  auto& s = **opened;
  constexpr int kProducers = 4;
  std::vector<std::thread> producers;
  for (std::uint64_t p = 0; p < kProducers; ++p) {
    producers.emplace_back([&s, run, p] {
      for (std::uint64_t c = 0;; ++c) {
        const std::string text = "r" + std::to_string(run) + "p" + std::to_string(p) + "c" + std::to_string(c);
        store::AppendRequest r;
        for (std::uint64_t user : {1, 2}) {
          r.entries.push_back({core::UserId{user}, core::testing::message(core::ThreadId{1}, core::UserId{1}, text)});
        }
        r.idempotency = core::IdempotencyKey{core::UserId{1}, core::ClientMsgId{run, p << 32 | c}};
        auto res = s.append(std::move(r));
        if (!res) {
          std::fprintf(stderr, "crash_writer: append failed: %s\n", res.error().message().c_str());
          std::_Exit(1);
        }
        const std::string line = std::to_string(run) + " " + std::to_string(p) + " " + std::to_string(c) +
                                 " " + std::to_string(res->positions[0].seq.value()) + " " +
                                 std::to_string(res->positions[1].seq.value()) + "\n";
        // One write(2) per line: a line is either whole in the pipe or absent.
        if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::_Exit(1);
      }
    });
  }
  for (auto& t : producers) t.join();
}
