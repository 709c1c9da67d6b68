// lifecycle_bench: figures of message lifecycles (issue 21). Workloads:
//
//   lifecycle_bench fold
//     Folds a 10,000-update backlog of one user: 5,000 messages over 7 threads, half of them
//     unsent later in the backlog, 2,500 reactions to the others (the goal case).
//     Prints how many updates the fold keeps, how many unsent messages it still sends (must
//     be 0) and the fold's time per backlog (median of 20 runs).
//   lifecycle_bench badge PORT TOKEN [CONNECTIONS] [SECONDS]
//     GET /v1/badge on 127.0.0.1:PORT with `Authorization: Bearer TOKEN`, over CONNECTIONS
//     keep-alive connections (default 8), one thread each, back to back for SECONDS (default
//     5); prints answered requests per second and the p50/p99 latency in microseconds. Any
//     answer other than 200 fails the run.
//
// Output: `name value` lines, read by bench/suites/lifecycle.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/folding.h"

namespace {

using Clock = std::chrono::steady_clock;

int fold_bench() {
  using namespace iris::core;
  std::vector<Update> range;
  std::uint64_t seq = 1;
  range.reserve(10'000);
  auto add = [&](std::uint64_t thread, std::uint64_t actor, const UpdateBody& body) {
    Update& u = range.emplace_back();
    u.seq = Seq{seq++};
    u.thread = ThreadId{thread};
    u.actor = UserId{actor};
    u.body = body;
  };
  for (std::uint64_t m = 1; m <= 5000; ++m) add(m % 7 + 1, 1, MessageCreated{MessageId{m}, {}, "message text", {}});
  for (std::uint64_t m = 2; m <= 5000; m += 2) add(m % 7 + 1, 1, MessageDeleted{MessageId{m}});
  for (std::uint64_t m = 1; range.size() < 10'000; m += 2) add(m % 7 + 1, 2, ReactionChanged{MessageId{m}, "+1"});
  std::vector<double> us;
  FoldResult out;
  for (int run = 0; run < 20; ++run) {
    const auto t0 = Clock::now();
    out = fold_range(range);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  std::size_t unsent_sent = 0;
  for (const auto& u : out.updates) {
    if (const auto* c = std::get_if<MessageCreated>(&u.body); c && c->message.value() % 2 == 0) ++unsent_sent;
  }
  std::printf("backlog_updates %zu\nfolded_updates %zu\nunsent_messages_sent %zu\nfold_us %.0f\n",
              range.size(), out.updates.size(), unsent_sent, us[us.size() / 2]);
  return unsent_sent == 0 ? 0 : 1;
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads one HTTP answer (headers plus Content-Length body); false on anything but a 200.
bool read_answer(int fd, std::string& buf) {
  buf.clear();
  char chunk[4096];
  std::size_t need = std::string::npos;
  while (true) {
    if (need == std::string::npos) {
      const auto end = buf.find("\r\n\r\n");
      if (end != std::string::npos) {
        if (buf.compare(0, 12, "HTTP/1.1 200") != 0) return false;
        const auto cl = buf.find("Content-Length: ");
        const std::size_t len = cl == std::string::npos ? 0 : std::strtoul(buf.c_str() + cl + 16, nullptr, 10);
        need = end + 4 + len;
      }
    }
    if (need != std::string::npos && buf.size() >= need) return true;
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

int badge_bench(int port, const std::string& token, int connections, int seconds) {
  const std::string request = "GET /v1/badge HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                              "\r\nAccept: application/vnd.iris.thrift-compact\r\n\r\n";
  std::atomic<bool> failed{false};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(connections));
  const auto stop = Clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      const int fd = connect_to(port);
      if (fd < 0) {
        failed = true;
        return;
      }
      std::string buf;
      auto& mine = lat[static_cast<std::size_t>(c)];
      while (Clock::now() < stop && !failed) {
        const auto t0 = Clock::now();
        if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()) ||
            !read_answer(fd, buf)) {
          std::fprintf(stderr, "badge: request failed: %.80s\n", buf.c_str());
          failed = true;
          break;
        }
        mine.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
      ::close(fd);
    });
  }
  for (auto& t : threads) t.join();
  if (failed) return 1;
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  if (all.empty()) return 1;
  std::printf("get_per_s %.0f\np50_us %.0f\np99_us %.0f\n", static_cast<double>(all.size()) / seconds,
              all[all.size() / 2], all[all.size() * 99 / 100]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  if (what == "fold") return fold_bench();
  if (what == "badge" && argc >= 4) {
    return badge_bench(std::atoi(argv[2]), argv[3], argc > 4 ? std::atoi(argv[4]) : 8,
                       argc > 5 ? std::atoi(argv[5]) : 5);
  }
  std::fprintf(stderr, "usage: lifecycle_bench fold | badge PORT TOKEN [CONNECTIONS] [SECONDS]\n");
  return 2;
}
