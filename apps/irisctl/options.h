#pragma once
// irisctl's command line: a subcommand and its flags (`--key value` or `--key=value`).

#include <chrono>
#include <string>
#include <vector>

#include "base/result.h"

namespace iris::ctl {

struct Options {
  std::vector<std::string> command;  // e.g. {"cells"}, {"user", "where", "42"}
  std::string zookeeper = "127.0.0.1:2181";
  std::string root = "/iris";
  std::string mariadb;               // "host:port,host:port"; empty: the store is not read
  std::string admin_user = "root";
  std::string admin_password;
  std::string database = "iris";
  std::chrono::milliseconds timeout{2000};
  std::size_t last = 20;             // audit entries shown
  std::size_t max_users = 1000000;   // users read from the store to count each server's share
  bool json = false;
  bool help = false;
};

// Refuses unknown flags and missing values with a message naming them.
Result<Options> parse_options(int argc, const char* const* argv, std::string& error);
std::string help_text();

}  // namespace iris::ctl
