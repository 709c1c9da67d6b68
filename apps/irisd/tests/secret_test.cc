#include "apps/irisd/secret.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace iris::irisd {
namespace {

std::string fresh_path(const std::string& name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("irisd-secret-" + name);
  std::filesystem::remove_all(dir);
  return (dir / "sub" / "secret").string();
}

TEST(Secret, IsCreatedOwnerOnlyOnFirstUseAndReadAfter) {
  const auto path = fresh_path("create");
  auto first = load_or_create_secret(path);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_GE(first->size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = load_or_create_secret(path);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *first);
}

TEST(Secret, RefusesAShortSecret) {
  const auto path = fresh_path("short");
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << "tooshort\n";
  EXPECT_FALSE(load_or_create_secret(path));
}

}  // namespace
}  // namespace iris::irisd
