#pragma once
// IRIS_ASSERT(cond, msg): a broken invariant, never bad input. Logs where and why, then
// aborts, in every build type: continuing past a broken queue invariant would corrupt data.

namespace iris::detail {
[[noreturn]] void assert_failed(const char* cond, const char* msg, const char* file, int line);
}

#define IRIS_ASSERT(cond, msg)                                          \
  do {                                                                  \
    if (!(cond)) [[unlikely]]                                           \
      ::iris::detail::assert_failed(#cond, (msg), __FILE__, __LINE__); \
  } while (0)
