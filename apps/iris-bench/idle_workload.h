#pragma once
// IdleWorkload (`mqtt-idle`): opens `connections` MQTT connections, each with one QoS 1
// subscription on its own topic, holds them idle, and says so on stdout, so a script can read
// the broker's resident memory before and after.
//
// Connections are spread over child processes of at most `per_process` each (every
// connection is a file descriptor, and the open-file limit is per process) and round-robin
// over the `sources` addresses (each source address has its own ephemeral ports). At most
// `concurrency` handshakes per process are in flight, so the broker's accept queue never
// overflows.
//
// Protocol on stdout: `ready_connections N` once all are subscribed; then the program holds
// until SIGTERM/SIGINT (or `hold_s` seconds), stops its children by PID and exits 0. Any
// failure before that is one line on stderr and exit code 1.

#include <optional>
#include <string>
#include <vector>

#include "apps/iris-bench/mqtt_client.h"

namespace iris::bench {

struct IdleOptions {
  asio::ip::tcp::endpoint broker;
  mqtt::Version version = mqtt::Version::v5;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string topic_prefix = "idle/";
  std::size_t connections = 1000;
  std::size_t per_process = 9500;
  std::vector<asio::ip::address> sources;  // empty: the kernel's choice
  std::size_t concurrency = 256;
  double hold_s = 0;  // 0: until a signal
  double timeout_s = 300;
};

// Returns the process exit code.
int run_idle(const IdleOptions& options);

}  // namespace iris::bench
