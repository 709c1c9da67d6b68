#include "apps/irisd/config.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string_view>

namespace iris::irisd {
namespace {

struct Option {
  std::string_view key;
  std::string_view help;  // meaning, unit, default, trade-off
  std::function<void(Config&, std::string_view)> set;
};

std::uint64_t to_u64(std::string_view key, std::string_view v) {
  std::uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size() || v.empty()) {
    throw std::runtime_error(fmt::format("{}: expected a non-negative integer, got '{}'", key, v));
  }
  return out;
}

bool to_bool(std::string_view key, std::string_view v) {
  if (v == "true" || v == "on" || v == "yes" || v == "1") return true;
  if (v == "false" || v == "off" || v == "no" || v == "0") return false;
  throw std::runtime_error(fmt::format("{}: expected true or false, got '{}'", key, v));
}

const std::vector<Option>& options() {
  static const std::vector<Option> kOptions = {
      {"data_dir", "Directory for all server data; the queue store is <data_dir>/queue. Default: data",
       [](Config& c, std::string_view v) { c.data_dir = std::string(v); }},
      {"log_level", "debug, info, warn or error. Default: info",
       [](Config& c, std::string_view v) {
         if (v == "debug") c.log_level = log::Level::debug;
         else if (v == "info") c.log_level = log::Level::info;
         else if (v == "warn") c.log_level = log::Level::warn;
         else if (v == "error") c.log_level = log::Level::error;
         else throw std::runtime_error(fmt::format("log_level: expected debug, info, warn or error, got '{}'", v));
       }},
      {"store.sync",
       "Sync the write-ahead log before acknowledging a write (true/false). Default: true. "
       "Off loses acknowledged sends on power loss; for benchmarks only",
       [](Config& c, std::string_view v) { c.store.sync = to_bool("store.sync", v); }},
      {"store.max_queue_length",
       "Most updates one user's queue retains; appends beyond it are refused with an error. "
       "Default: 1000000",
       [](Config& c, std::string_view v) { c.store.max_queue_length = to_u64("store.max_queue_length", v); }},
      {"store.max_pending",
       "Most writes waiting for the commit thread before new ones are refused as overloaded. "
       "Default: 100000",
       [](Config& c, std::string_view v) { c.store.max_pending = to_u64("store.max_pending", v); }},
      {"store.write_buffer_bytes", "RocksDB memtable size in bytes. Default: 67108864 (64 MiB)",
       [](Config& c, std::string_view v) { c.store.write_buffer_bytes = to_u64("store.write_buffer_bytes", v); }},
  };
  return kOptions;
}

void apply(Config& c, std::string_view key, std::string_view value, const std::string& where) {
  for (const auto& o : options()) {
    if (o.key == key) {
      try {
        o.set(c, value);
      } catch (const std::runtime_error& e) {
        throw std::runtime_error(where.empty() ? e.what() : fmt::format("{}: {}", where, e.what()));
      }
      return;
    }
  }
  throw std::runtime_error(fmt::format("{}unknown option '{}' (see irisd --help)",
                                       where.empty() ? "" : where + ": ", key));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// File format: one `key = value` per line; `#` starts a comment; blank lines are ignored.
void load_file(Config& c, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("cannot read config file {}", path));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::string_view l = line;
    if (auto hash = l.find('#'); hash != std::string_view::npos) l = l.substr(0, hash);
    l = trim(l);
    if (l.empty()) continue;
    const auto eq = l.find('=');
    const std::string where = fmt::format("{}:{}", path, n);
    if (eq == std::string_view::npos) throw std::runtime_error(where + ": expected 'key = value'");
    apply(c, trim(l.substr(0, eq)), trim(l.substr(eq + 1)), where);
  }
}

}  // namespace

std::string help_text() {
  std::string out =
      "Usage: irisd [--config FILE] [--KEY=VALUE ...]\n"
      "       irisd --help | --version\n\n"
      "Iris message-sync server. Every option can be set in the config file as\n"
      "`key = value` or on the command line as --key=value (flags win over the file).\n\n"
      "Options:\n";
  for (const auto& o : options()) out += fmt::format("  --{}\n      {}\n", o.key, o.help);
  return out;
}

Parsed parse_command_line(int argc, char** argv) {
  Parsed p;
  std::vector<std::pair<std::string, std::string>> flags;
  std::string config_file;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      p.command = Command::help;
      return p;
    }
    if (arg == "--version") {
      p.command = Command::version;
      return p;
    }
    if (!arg.starts_with("--")) throw std::runtime_error(fmt::format("unexpected argument '{}' (see irisd --help)", arg));
    arg.remove_prefix(2);
    std::string key, value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      key = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else {
      key = arg;
      if (i + 1 >= argc) throw std::runtime_error(fmt::format("--{} needs a value", key));
      value = argv[++i];
    }
    if (key == "config") config_file = value;
    else flags.emplace_back(key, value);
  }
  if (!config_file.empty()) load_file(p.config, config_file);
  for (const auto& [k, v] : flags) apply(p.config, k, v, "");
  p.config.store.path = p.config.data_dir + "/queue";
  return p;
}

}  // namespace iris::irisd
