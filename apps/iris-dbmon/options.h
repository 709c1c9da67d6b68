#pragma once
// iris-dbmon's command line: every option with its default, read once at start.

#include <string>

#include "base/log.h"
#include "dbpair/monitor.h"

namespace iris::dbmon {

struct Options {
  dbpair::MonitorOptions monitor;
  std::string metrics_bind = "127.0.0.1";
  int metrics_port = -1;  // -1: no /metrics; 0: any free port
  std::string ports_file;  // if set, `metrics=PORT` and `pid=PID` are written here once bound
  log::Level log_level = log::Level::info;
  bool help = false;
};

// Throws std::runtime_error naming the option on bad input (startup, not a handler).
Options parse_options(int argc, char** argv);
std::string help_text();

}  // namespace iris::dbmon
