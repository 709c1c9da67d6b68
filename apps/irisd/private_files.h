#pragma once
// Every file irisd writes holds users' messages or the token secret, none of it for other local
// users: the data dir is 0700 and everything in it 0600 (directories 0700), whatever umask
// irisd was started with and whatever mode a library (RocksDB 0644, SQLite 0644) asks for.

#include <cstddef>
#include <string>

#include "base/result.h"

namespace iris::irisd {

// Sets the process umask to 077, before anything is written: every file and directory created
// from then on (by irisd, RocksDB, SQLite) has no group or other permissions.
void restrict_new_files();

// Creates `dir` (mode 0700) if missing, and takes group and other permissions away from it
// and from everything under it (files an older irisd wrote under umask 022). Symbolic links
// are left alone (not followed). Returns how many entries it changed; the OS error if it cannot.
Result<std::size_t> make_private_tree(const std::string& dir);

}  // namespace iris::irisd
