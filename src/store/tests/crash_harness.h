#pragma once
// The SIGKILL crash harness shared by the backends' crash tests: runs crash_writer.cc as a
// child, kills it at a random moment, and checks the store afterwards.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "store/queue_store.h"

extern char** environ;

namespace iris::store::testing {

struct Ack {
  std::uint64_t seq1, seq2;
};

// Runs the writer (crash_writer.cc: RUN then the backend's arguments) for `millis`, kills it with SIGKILL, and returns every acknowledged line.
inline std::map<std::string, Ack> run_and_kill(const std::vector<std::string>& backend, int run, int millis) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<std::string> args = {IRIS_CRASH_WRITER, std::to_string(run)};
  args.insert(args.end(), backend.begin(), backend.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
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


// After kill `run`: every acknowledged update is present at the seq it was acknowledged
// with, both queues are gapless, nothing appears twice, and every append is in both queues
// or in neither.
inline void expect_acknowledged_survived(QueueStore& s, const std::map<std::string, Ack>& acked, int run) {
  std::map<std::string, Seq> at1, at2;
  for (auto [user, at] : {std::pair{UserId{1}, &at1}, std::pair{UserId{2}, &at2}}) {
    const auto info = s.info(user).value();
    const auto all = s.read(user, Seq{1}, 10'000'000);
    ASSERT_TRUE(all) << all.error().message();
    ASSERT_EQ(all->size(), info.head.value())
        << "queue of user " << user.value() << " has a gap; head read again: "
        << s.info(user).value().head.value() << ", updates read again: "
        << s.read(user, Seq{1}, 10'000'000).value().size();
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
    ASSERT_EQ(at1.at(text), Seq{ack.seq1}) << text;
    ASSERT_EQ(at2.at(text), Seq{ack.seq2}) << text;
  }
}

}  // namespace iris::store::testing
