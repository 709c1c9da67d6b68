#pragma once
// The one mapping from errors to the `iris` exit codes (documented in kUsage and
// docs/CLIENT.md; tested for every client::errc enumerator).

#include <system_error>

namespace iris::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitOther = 1;
inline constexpr int kExitUsage = 2;

int exit_code(std::error_code ec);

}  // namespace iris::cli
