#pragma once
// irisd's configuration: one table of options that the config file, the command line and
// --help all read, so they can never disagree. Parsed once at startup into typed structs
// that are passed down by const&; nothing reads global config.

#include <string>
#include <vector>

#include "base/log.h"
#include "store/store_options.h"

namespace iris::irisd {

struct Config {
  // Root of every on-disk file of this server; the queue store lives in <data_dir>/queue.
  std::string data_dir = "data";
  log::Level log_level = log::Level::info;
  store::StoreOptions store;
};

// What the command line asked for besides running the server.
enum class Command { run, help, version };

struct Parsed {
  Command command = Command::run;
  Config config;
};

// Parses `irisd [--config FILE] [--KEY=VALUE | --KEY VALUE]...`. Values from the file are
// applied first, flags after, so a flag overrides the file. Throws std::runtime_error with
// a message naming the key (and file:line) on any bad input: this is startup, not a handler.
Parsed parse_command_line(int argc, char** argv);

// The --help text: usage, then every option with its meaning, unit and default.
std::string help_text();

}  // namespace iris::irisd
