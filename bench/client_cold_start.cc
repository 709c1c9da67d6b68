// client_cold_start: how long a new device takes from nothing to an up-to-date inbox
// (issue #7's goal: <= 300 ms on loopback for 100 threads x 20 messages).
//
// Workload: a loader device of user 1 creates --threads threads, each with users 2..runs+1,
// and sends --messages messages into each. Then, --runs times, a brand-new device of a
// different one of those users (a fresh SQLite file, so nothing to resume from) opens a
// Client and starts it; the figure is open() -> live (it holds everything up to the head the
// server reported), checked to hold every thread and message. A new user per run because
// the server rate-limits full resyncs per user (4 at once), which a fresh device needs.
// With --http-port the device starts from an HTTP snapshot; without it, it rebuilds from a
// resume at seq 0 (folded catch-up over MQTT).
//
// Prints each run to stderr and `BENCH client.cold_start_ms <median>` to stdout.
//
//   client_cold_start --irisd PATH --data-dir DIR --port P [--http-port H] [--threads 100]
//                     [--messages 20] [--runs 7]

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "client/client.h"

namespace {

std::string token(const std::string& irisd, const std::string& data_dir, std::uint64_t user,
                  const std::string& device) {
  std::string cmd = irisd + " token --data_dir " + data_dir + " --user " + std::to_string(user) +
                    " --device " + device + " --ttl 1h";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    std::array<char, 512> buf;
    while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
    ::pclose(p);
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "client_cold_start: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace iris;
  using namespace std::chrono;
  std::string irisd, data_dir;
  std::uint16_t port = 0, http_port = 0;
  int threads = 100, messages = 20, runs = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--irisd") irisd = v;
    else if (k == "--data-dir") data_dir = v;
    else if (k == "--port") port = static_cast<std::uint16_t>(std::stoi(v));
    else if (k == "--http-port") http_port = static_cast<std::uint16_t>(std::stoi(v));
    else if (k == "--threads") threads = std::stoi(v);
    else if (k == "--messages") messages = std::stoi(v);
    else if (k == "--runs") runs = std::stoi(v);
    else die("unknown option " + k);
  }
  if (irisd.empty() || data_dir.empty() || !port) die("needs --irisd, --data-dir and --port");
  const auto tmp = std::filesystem::temp_directory_path() /
                   ("iris-cold-start-" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);

  auto options = [&](std::uint64_t user, const std::string& device) {
    client::ClientOptions o;
    o.port = port;
    if (http_port) {
      o.http = client::HttpEndpoint{};
      o.http->host = "127.0.0.1";
      o.http->port = http_port;
    }
    o.user = core::UserId{user};
    o.device = device;
    o.token = token(irisd, data_dir, user, device);
    o.store_path = (tmp / (device + ".db")).string();
    o.snapshot_messages = static_cast<std::size_t>(messages);
    o.send_window = 256;
    return o;
  };

  // Load: threads x messages, every thread shared by user 1 and the users measured below.
  {
    std::vector<core::UserId> others;
    for (int r = 0; r < runs; ++r) others.emplace_back(2 + r);
    auto loader = client::Client::open(options(1, "loader"), {});
    if (!loader) die("loader: " + loader.error().message());
    (*loader)->start();
    if (auto r = (*loader)->wait_live(30s); !r) die("loader: " + r.error().message());
    for (int t = 0; t < threads; ++t) (void)(*loader)->create_thread("thread " + std::to_string(t), others);
    if (auto r = (*loader)->wait_outbox_empty(120s); !r) die("creating threads: " + r.error().message());
    auto ts = (*loader)->with_store([](const client::LocalStore& s) { return s.threads(); });
    if (!ts || static_cast<int>(ts->size()) != threads) die("loader sees the wrong number of threads");
    for (int m = 0; m < messages; ++m)
      for (const auto& t : *ts) (void)(*loader)->send(t.id, "message " + std::to_string(m) + " of a cold-start benchmark");
    if (auto r = (*loader)->wait_outbox_empty(300s); !r) die("sending: " + r.error().message());
  }

  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    auto o = options(2 + r, "cold" + std::to_string(r));
    const auto t0 = steady_clock::now();
    auto c = client::Client::open(o, {});
    if (!c) die("open: " + c.error().message());
    (*c)->start();
    if (auto live = (*c)->wait_live(60s); !live) die("cold start: " + live.error().message());
    const double took = duration<double, std::milli>(steady_clock::now() - t0).count();
    auto [nthreads, nmessages] = (*c)->with_store([](const client::LocalStore& s) {
      auto ts = s.threads();
      auto n = s.message_count();
      return std::make_pair(ts ? ts->size() : 0, n ? *n : 0);
    });
    if (static_cast<int>(nthreads) != threads ||
        nmessages < static_cast<std::uint64_t>(threads) * static_cast<std::uint64_t>(messages))
      die("cold device holds " + std::to_string(nthreads) + " threads, " + std::to_string(nmessages) +
          " messages");
    std::fprintf(stderr, "# client: run %d: %.1f ms to live (%zu threads, %llu messages, %s)\n", r, took,
                 nthreads, static_cast<unsigned long long>(nmessages),
                 http_port ? "HTTP snapshot" : "catch-up from seq 0");
    ms.push_back(took);
  }
  std::filesystem::remove_all(tmp);
  std::sort(ms.begin(), ms.end());
  std::printf("BENCH client.cold_start_ms %.1f\n", ms[ms.size() / 2]);
  return 0;
}
