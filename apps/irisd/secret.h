#pragma once
// The server's token secret on disk: one line of hex (net::generate_secret()). Created on
// first use with mode 0600, because anyone who reads it can mint tokens for every user.

#include <string>

#include "base/result.h"

namespace iris::irisd {

// Reads the secret at `path`, or creates the file (and its directory) with a fresh one.
// Fails with the OS error, or std::errc::invalid_argument for a secret under 16 bytes.
Result<std::string> load_or_create_secret(const std::string& path);

}  // namespace iris::irisd
