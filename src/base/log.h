#pragma once
// Minimal line logger: one line per event on stderr, "2026-11-22T04:20:00.123Z W store: ...".
// Thread-safe (one write(2) per line). The level is set once at startup by the app.

#include <fmt/format.h>
#include <string_view>

namespace iris::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(Level level);
Level level();
void write(Level level, std::string_view component, std::string_view message);

}  // namespace iris::log

#define IRIS_LOG(lvl, component, ...)                                                    \
  do {                                                                                 \
    if (::iris::log::Level::lvl >= ::iris::log::level())                               \
      ::iris::log::write(::iris::log::Level::lvl, (component), fmt::format(__VA_ARGS__)); \
  } while (0)
