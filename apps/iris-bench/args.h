#pragma once
// Args: the `--key value` / `--key=value` flags of one iris-bench subcommand. Every flag
// must be read by the subcommand; `check_all_used()` rejects the rest, so a typo is an
// error instead of a silently ignored setting. Startup only: errors throw.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace iris::bench {

class Args {
 public:
  // argv[first..argc) are the flags.
  Args(int argc, char** argv, int first);

  std::optional<std::string> get(const std::string& key);
  std::string str(const std::string& key, const std::string& fallback);
  std::uint64_t u64(const std::string& key, std::uint64_t fallback);
  double f64(const std::string& key, double fallback);
  // Throws when any flag was never asked for.
  void check_all_used() const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> used_;
};

}  // namespace iris::bench
