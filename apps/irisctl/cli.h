#pragma once
// irisctl's command line: a subcommand and its flags (`--key value` or `--key=value`).

#include <string>

#include "base/result.h"
#include "ops/options.h"

namespace iris::ops {

// Refuses unknown flags and missing values with a message naming them.
Result<Options> parse_options(int argc, const char* const* argv, std::string& error);
std::string help_text();

}  // namespace iris::ops
