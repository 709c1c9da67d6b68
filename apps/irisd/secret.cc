#include "apps/irisd/secret.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "net/token.h"

namespace iris::irisd {
namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

Result<std::string> read_secret(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(last_error());
  std::string secret;
  std::getline(in, secret);
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  if (secret.size() < 16) return fail(std::make_error_code(std::errc::invalid_argument));
  return secret;
}

}  // namespace

Result<std::string> load_or_create_secret(const std::string& path) {
  if (std::filesystem::exists(path)) return read_secret(path);
  const auto dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ec);
  // O_EXCL: if another process created it meanwhile, use theirs rather than overwrite it.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_secret(path);
    return fail(last_error());
  }
  const std::string secret = net::generate_secret();
  const std::string line = secret + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  const auto write_error = last_error();
  ::close(fd);
  if (!ok) return fail(write_error);
  return secret;
}

}  // namespace iris::irisd
