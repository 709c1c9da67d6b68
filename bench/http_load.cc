// http_load: a closed-loop load of one authenticated GET, for the benchmark suites
// (GET /v1/badge in bench/suites/lifecycle, GET /v1/route in bench/suites/cells).
//
//   http_load PORT TARGET TOKEN [CONNECTIONS] [SECONDS]
//     GET TARGET on 127.0.0.1:PORT with `Authorization: Bearer TOKEN`, over CONNECTIONS
//     keep-alive connections (default 8), one thread each, back to back for SECONDS (default
//     5); prints answered requests per second (`per_s`) and the p50/p99 latency in
//     microseconds. Any answer other than 200 fails the run.

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

namespace {

using Clock = std::chrono::steady_clock;

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

int load(int port, const std::string& target, const std::string& token, int connections, int seconds) {
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
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
          std::fprintf(stderr, "http_load: request failed: %.80s\n", buf.c_str());
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
  std::printf("per_s %.0f\np50_us %.0f\np99_us %.0f\n", static_cast<double>(all.size()) / seconds,
              all[all.size() / 2], all[all.size() * 99 / 100]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: http_load PORT TARGET TOKEN [CONNECTIONS] [SECONDS]\n");
    return 2;
  }
  return load(std::atoi(argv[1]), argv[2], argv[3], argc > 4 ? std::atoi(argv[4]) : 8,
              argc > 5 ? std::atoi(argv[5]) : 5);
}
