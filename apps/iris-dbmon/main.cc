// iris-dbmon: the failover monitor of a replicated MariaDB pair (see options.cc --help).
// Parses options, serves /metrics, runs dbpair::Monitor until SIGINT/SIGTERM.
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <unistd.h>

#include "apps/iris-dbmon/metrics_http.h"
#include "apps/iris-dbmon/options.h"
#include "base/log.h"
#include "base/stop_signals.h"

int main(int argc, char** argv) {
  using namespace iris;
  block_stop_signals();

  dbmon::Options options;
  try {
    options = dbmon::parse_options(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "iris-dbmon: %s\n", e.what());
    return 2;
  }
  if (options.help) {
    std::fputs(dbmon::help_text().c_str(), stdout);
    return 0;
  }
  log::set_level(options.log_level);
  dbpair::Monitor monitor(options.monitor);
  std::jthread metrics;
  int metrics_port = -1;
  if (options.metrics_port >= 0) {
    int fd = -1;
    metrics_port = dbmon::bind_metrics(options.metrics_bind, static_cast<std::uint16_t>(options.metrics_port), fd);
    if (metrics_port < 0) {
      std::fprintf(stderr, "iris-dbmon: cannot listen on %s:%d\n", options.metrics_bind.c_str(),
                   options.metrics_port);
      return 1;
    }
    metrics = std::jthread([fd, &monitor](std::stop_token stop) {
      dbmon::serve_metrics(fd, [&monitor] { return monitor.metrics().text(); }, stop);
    });
  }
  if (!options.ports_file.empty()) {
    std::ofstream(options.ports_file) << "metrics=" << metrics_port << "\npid=" << getpid() << "\n";
  }
  std::jthread worker([&monitor](std::stop_token stop) { monitor.run(stop); });
  const int sig = wait_for_stop_signal();
  IRIS_LOG(info, "dbmon", "stopping on signal {}", sig);
  worker.request_stop();
  worker.join();
  metrics.request_stop();
  return 0;
}
