#pragma once
// The web app's static files (GET /app/..., docs/PROTOCOL.md "The web app"): which file a
// request names, its content type, and reading it within a size bound. Only names made of
// [A-Za-z0-9._-] segments are served, none starting with '.', so no request reaches outside
// the app's folder (no "..", no hidden files, no percent-decoding to get around it); a name
// that resolves through a symbolic link outside the folder is refused as well.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace iris::net {

// The file below the app's folder that `file` (the path after "/app/") names: "" and names
// ending in '/' mean their index.html. net::errc::no_route for anything not served.
Result<std::string> app_file_name(std::string_view file);

// The Content-Type of a served file, by its extension.
std::string_view content_type_of(std::string_view name);

// The bytes of `name` (from app_file_name) below `root`, at most `max_bytes`; no_route when it
// is missing, not a regular file, outside `root` or larger.
Result<std::string> read_app_file(const std::filesystem::path& root, std::string_view name,
                                  std::size_t max_bytes);

}  // namespace iris::net
