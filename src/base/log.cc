#include "base/log.h"

#include "base/assert.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <string>

namespace iris::log {
namespace {
std::atomic<Level> g_level{Level::info};
constexpr char kLevelChar[] = {'D', 'I', 'W', 'E'};
}  // namespace

void set_level(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level level() { return g_level.load(std::memory_order_relaxed); }

void write(Level lvl, std::string_view component, std::string_view message) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

  std::string line = fmt::format("{}.{:03d}Z {} {}: {}\n", stamp, millis,
                                 kLevelChar[static_cast<int>(lvl)], component, message);
  // One write(2) per line keeps lines from different threads whole.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace iris::log

namespace iris::detail {
void assert_failed(const char* cond, const char* msg, const char* file, int line) {
  log::write(log::Level::error, "assert",
             fmt::format("{}:{}: invariant broken: {} ({})", file, line, msg, cond));
  std::abort();
}
}  // namespace iris::detail
