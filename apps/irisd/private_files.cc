#include "apps/irisd/private_files.h"

#include <sys/stat.h>

#include <filesystem>

namespace iris::irisd {
namespace fs = std::filesystem;

void restrict_new_files() { ::umask(077); }

Result<std::size_t> make_private_tree(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(ec);
  std::size_t changed = 0;
  auto tighten = [&](const fs::path& p, fs::file_status st) -> std::error_code {
    constexpr auto kOthers = fs::perms::group_all | fs::perms::others_all;
    if (fs::is_symlink(st) || (st.permissions() & kOthers) == fs::perms::none) return {};
    std::error_code e;
    fs::permissions(p, kOthers, fs::perm_options::remove, e);
    if (!e) ++changed;
    return e;
  };
  if (auto e = tighten(dir, fs::status(dir, ec)); e || ec) return fail(e ? e : ec);
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const auto st = it->symlink_status(ec);
    if (ec) break;
    if (auto e = tighten(it->path(), st)) return fail(e);
  }
  if (ec) return fail(ec);
  return changed;
}

}  // namespace iris::irisd
