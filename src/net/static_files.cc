#include "net/static_files.h"

#include <fstream>
#include <system_error>

#include "net/errc.h"

namespace iris::net {

namespace {

// Longer names are no file of ours; the bound keeps the check and the log lines small.
constexpr std::size_t kMaxName = 200;

bool segment_ok(std::string_view s) {
  if (s.empty() || s.front() == '.') return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<std::string> app_file_name(std::string_view file) {
  std::string name(file);
  if (name.empty() || name.back() == '/') name += "index.html";
  if (name.size() > kMaxName) return fail(errc::no_route);
  std::string_view rest = name;
  while (true) {
    const auto slash = rest.find('/');
    if (!segment_ok(rest.substr(0, slash))) return fail(errc::no_route);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return name;
}

std::string_view content_type_of(std::string_view name) {
  const auto dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "png") return "image/png";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

Result<std::string> read_app_file(const std::filesystem::path& root, std::string_view name,
                                  std::size_t max_bytes) {
  std::error_code ec;
  const auto base = std::filesystem::canonical(root, ec);
  if (ec) return fail(errc::no_route);
  const auto path = std::filesystem::canonical(base / std::string(name), ec);
  if (ec) return fail(errc::no_route);
  // Inside the folder even through symbolic links.
  const auto rel = path.lexically_relative(base);
  if (rel.empty() || rel.native().starts_with("..")) return fail(errc::no_route);
  if (!std::filesystem::is_regular_file(path, ec) || ec) return fail(errc::no_route);
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > max_bytes) return fail(errc::no_route);
  std::ifstream in(path, std::ios::binary);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) return fail(errc::no_route);
  return bytes;
}

}  // namespace iris::net
