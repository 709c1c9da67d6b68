// Crash test: a writer child (crash_writer.cc) appends and prints each acknowledged append;
// it is killed with SIGKILL at random moments, 25 times, and after each kill the store is
// reopened and checked: every acknowledged update is present at the seq it was acknowledged
// with, both queues are gapless, nothing appears twice, and every append is in both queues
// or in neither.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "store/rocksdb/rocksdb_queue_store.h"
#include "store/tests/temp_dir.h"

extern char** environ;

namespace iris::store {
namespace {

struct Ack {
  std::uint64_t seq1, seq2;
};

// Runs the writer for `millis`, kills it with SIGKILL, and returns every acknowledged line.
std::map<std::string, Ack> run_and_kill(const std::string& dir, int run, int millis) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  const std::string run_s = std::to_string(run);
  std::vector<char*> argv = {const_cast<char*>(IRIS_CRASH_WRITER), const_cast<char*>(dir.c_str()),
                             const_cast<char*>(run_s.c_str()), nullptr};
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, IRIS_CRASH_WRITER, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);

  std::string out;
  char buf[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(millis);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const auto n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "writer exited on its own";
  // Lines already in the pipe were acknowledged before the kill: read them all.
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);

  std::map<std::string, Ack> acks;
  std::istringstream lines(out);
  std::string r, p, c;
  Ack a{};
  while (lines >> r >> p >> c >> a.seq1 >> a.seq2) acks["r" + r + "p" + p + "c" + c] = a;
  return acks;
}

TEST(CrashRecovery, EveryAcknowledgedAppendSurvivesSigkill) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "queue").string();
  std::mt19937 rng(std::random_device{}());
  std::map<std::string, Ack> acked;
  std::size_t total_acks = 0;

  for (int run = 1; run <= 25; ++run) {
    // Kill at random moments, from before the store is open to well into steady writing.
    const int millis = static_cast<int>(rng() % 400);
    auto acks = run_and_kill(db, run, millis);
    total_acks += acks.size();
    acked.insert(acks.begin(), acks.end());

    StoreOptions o;
    o.path = db;
    auto opened = open_rocksdb_queue_store(o);
    ASSERT_TRUE(opened) << "reopen after kill " << run;
    auto& s = **opened;
    std::map<std::string, Seq> at1, at2;
    for (auto [user, at] : {std::pair{UserId{1}, &at1}, std::pair{UserId{2}, &at2}}) {
      const auto info = s.info(user).value();
      const auto all = s.read(user, Seq{1}, 10'000'000);
      ASSERT_TRUE(all) << all.error().message();
      ASSERT_EQ(all->size(), info.head.value()) << "queue of user " << user.value() << " has a gap";
      for (std::size_t i = 0; i < all->size(); ++i) {
        ASSERT_EQ((*all)[i].seq, Seq{i + 1});
        const auto& text = std::get<core::MessageCreated>((*all)[i].body).text;
        ASSERT_TRUE(at->emplace(text, (*all)[i].seq).second) << text << " appears twice";
      }
    }
    ASSERT_EQ(at1.size(), at2.size()) << "an append reached one queue but not the other";
    for (const auto& [text, seq] : at1) ASSERT_TRUE(at2.count(text)) << text << " only in user 1's queue";
    for (const auto& [text, ack] : acked) {
      ASSERT_TRUE(at1.count(text)) << "acknowledged " << text << " lost after kill " << run;
      ASSERT_EQ(at1[text], Seq{ack.seq1}) << text;
      ASSERT_EQ(at2[text], Seq{ack.seq2}) << text;
    }
  }
  EXPECT_GT(total_acks, 100u) << "the writer acknowledged too little for the test to mean much";
}

TEST(CrashRecovery, RetryAfterRestartIsAnsweredFromTheIdempotencyRecord) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "queue").string();
  auto acks = run_and_kill(db, 1, 300);
  ASSERT_FALSE(acks.empty());
  StoreOptions o;
  o.path = db;
  auto s = std::move(open_rocksdb_queue_store(o).value());
  const auto head = s->info(UserId{1}).value().head;
  // Re-send the first acknowledged append (producer 0, counter 0) with the same key.
  ASSERT_TRUE(acks.count("r1p0c0"));
  AppendRequest retry;
  retry.entries.push_back({UserId{1}, Update{}});
  retry.entries.push_back({UserId{2}, Update{}});
  retry.idempotency = core::IdempotencyKey{UserId{1}, core::ClientMsgId{1, 0}};
  auto r = s->append(std::move(retry));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->duplicate);
  EXPECT_EQ(r->positions[0].seq, Seq{acks["r1p0c0"].seq1});
  EXPECT_EQ(r->positions[1].seq, Seq{acks["r1p0c0"].seq2});
  EXPECT_EQ(s->info(UserId{1}).value().head, head);
}

}  // namespace
}  // namespace iris::store
