// History bytes per recipient: what one message costs the history store per participant of
// its thread (issue 17's figure history.bytes_per_recipient).
//
// Workload: a fresh SQLite history store; one thread of --participants users (250), each
// user's history given the ThreadCreated first (not counted). Then --messages messages (200)
// of --text bytes (1,024) from participant 1, each applied as one apply() of one batch per
// participant, as the history writer does when it follows every participant's queue. Bytes
// are the database file plus its WAL, measured with the store closed (the last connection's
// close checkpoints the WAL into the database and removes it), before and after the messages.
//
// Output, one `name value` per line:
//   bytes_per_recipient   (bytes added - messages * text) / (messages * participants): what
//                         each recipient costs beyond the message's text
//   bytes_per_message     bytes added / messages
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/log.h"
#include "store/sqlite/sqlite_history_store.h"

namespace {

using namespace iris;

struct Args {
  std::string dir = "/tmp/iris-history-bytes-bench";
  std::uint64_t participants = 250;
  std::uint64_t messages = 200;
  std::size_t text = 1024;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "history_bytes_bench: %s\n", what.c_str());
  std::exit(1);
}

std::uint64_t bytes_on_disk(const std::string& dir) {
  std::uint64_t total = 0;
  for (const char* name : {"history.sqlite3", "history.sqlite3-wal"}) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(std::filesystem::path(dir) / name, ec);
    if (!ec) total += n;
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--dir") a.dir = v;
    else if (k == "--participants") a.participants = std::stoull(v);
    else if (k == "--messages") a.messages = std::stoull(v);
    else if (k == "--text") a.text = std::stoull(v);
    else die("unknown option " + k + " (--dir --participants --messages --text)");
  }
  if (a.participants == 0 || a.messages == 0) die("need participants > 0 and messages > 0");
  log::set_level(log::Level::warn);
  std::filesystem::remove_all(a.dir);
  const store::HistoryStoreOptions options{a.dir, std::chrono::milliseconds{1000}};
  const core::ThreadId thread{42};
  const core::Timestamp now{std::chrono::milliseconds{1'760'000'000'000}};
  std::vector<core::UserId> users;
  for (std::uint64_t u = 1; u <= a.participants; ++u) users.emplace_back(u);

  {
    auto history = store::open_sqlite_history_store(options);
    std::vector<store::HistoryBatch> batches;
    for (auto u : users) {
      batches.push_back({u, core::Epoch{u.value()},
                         {core::Update{core::Seq{1}, now, thread, users[0], core::ThreadCreated{"bench", users}}}});
    }
    if (!history->apply(batches)) die("ThreadCreated apply failed");
  }
  const std::uint64_t before = bytes_on_disk(a.dir);
  {
    auto history = store::open_sqlite_history_store(options);
    const std::string text(a.text, 'x');
    // Message ids as irisd makes them (milliseconds << 22 | shard << 12 | counter): 8 bytes.
    const std::uint64_t first_id = static_cast<std::uint64_t>(now.time_since_epoch().count()) << 22;
    for (std::uint64_t m = 0; m < a.messages; ++m) {
      const core::MessageId id{first_id + (m << 12)};
      const core::Update update{core::Seq{m + 2}, now + std::chrono::milliseconds{m}, thread, users[0],
                                core::MessageCreated{id, core::ClientMsgId{0x1234'5678'9abc'def0, m}, text,
                                                     std::nullopt}};
      std::vector<store::HistoryBatch> batches;
      for (auto u : users) batches.push_back({u, core::Epoch{u.value()}, {update}});
      if (!history->apply(batches)) die("message apply failed");
    }
    auto check = history->messages(users.back(), thread, std::nullopt, a.messages + 1);
    if (!check || check->size() != a.messages) die("the last participant does not have every message");
  }
  const std::uint64_t after = bytes_on_disk(a.dir);
  const double added = static_cast<double>(after) - static_cast<double>(before);
  const double recipients = static_cast<double>(a.messages * a.participants);
  std::printf("bytes_per_recipient %.1f\n",
              (added - static_cast<double>(a.messages * a.text)) / recipients);
  std::printf("bytes_per_message %.0f\n", added / static_cast<double>(a.messages));
  std::filesystem::remove_all(a.dir);
  return 0;
}
