#include "apps/irisd/private_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace iris::irisd {
namespace {
namespace fs = std::filesystem;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// Restores the process umask when a test ends (each test sets its own).
class Umask {
 public:
  explicit Umask(mode_t m) : old_(::umask(m)) {}
  ~Umask() { ::umask(old_); }

 private:
  mode_t old_;
};

fs::path fresh_dir() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto dir = fs::path(::testing::TempDir()) /
                   ("irisd-private-" + std::to_string(::getpid()) + "-" + test->name());
  fs::remove_all(dir);
  return dir;
}

TEST(PrivateFiles, AnOldDataDirLeftReadableUnderUmask022BecomesOwnerOnly) {
  const Umask umask(022);
  const auto dir = fresh_dir();
  fs::create_directories(dir / "queue");
  fs::create_directories(dir / "history");
  std::ofstream(dir / "queue" / "000001.sst") << "x";
  std::ofstream(dir / "history" / "history.sqlite3") << "x";
  std::ofstream(dir / "secret") << "x";
  fs::create_symlink("/etc/hostname", dir / "link");
  ASSERT_EQ(mode_of(dir), 0755u);
  ASSERT_EQ(mode_of(dir / "queue" / "000001.sst"), 0644u);
  const unsigned target_mode = mode_of("/etc/hostname");

  auto changed = make_private_tree(dir.string());
  ASSERT_TRUE(changed) << changed.error().message();
  EXPECT_EQ(*changed, 6u);  // 3 dirs, 3 files; the link is not an entry to change
  for (const auto& d : {dir, dir / "queue", dir / "history"}) EXPECT_EQ(mode_of(d), 0700u) << d;
  for (const auto& f : {dir / "queue" / "000001.sst", dir / "history" / "history.sqlite3", dir / "secret"}) {
    EXPECT_EQ(mode_of(f), 0600u) << f;
  }
  EXPECT_EQ(mode_of("/etc/hostname"), target_mode) << "a symbolic link is not followed";
  EXPECT_EQ(*make_private_tree(dir.string()), 0u) << "a private tree is left as it is";
  fs::remove_all(dir);
}

TEST(PrivateFiles, AMissingDataDirIsCreatedOwnerOnly) {
  const Umask umask(022);
  const auto dir = fresh_dir() / "a" / "data";
  auto changed = make_private_tree(dir.string());
  ASSERT_TRUE(changed) << changed.error().message();
  EXPECT_EQ(mode_of(dir), 0700u);
  fs::remove_all(dir.parent_path().parent_path());
}

TEST(PrivateFiles, AfterRestrictNewFilesEverythingCreatedIsOwnerOnlyWhateverTheUmaskWas) {
  const Umask umask(022);
  restrict_new_files();
  const auto dir = fresh_dir();
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "sub" / "file") << "x";
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir / "sub"), 0700u);
  EXPECT_EQ(mode_of(dir / "sub" / "file"), 0600u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace iris::irisd
