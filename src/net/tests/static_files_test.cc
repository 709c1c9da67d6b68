#include "net/static_files.h"

#include <gtest/gtest.h>

#include <fstream>

#include "net/errc.h"

namespace iris::net {
namespace {

namespace fs = std::filesystem;

TEST(StaticFiles, NamesMapToFilesBelowTheAppFolderAndFoldersToTheirIndex) {
  EXPECT_EQ(app_file_name("").value(), "index.html");
  EXPECT_EQ(app_file_name("app.js").value(), "app.js");
  EXPECT_EQ(app_file_name("vendor/").value(), "vendor/index.html");
  EXPECT_EQ(app_file_name("vendor/mqtt.min.js").value(), "vendor/mqtt.min.js");
}

TEST(StaticFiles, TraversalHiddenFilesAndOddCharactersAreRefused) {
  for (const char* bad : {"..", "../secret", "a/../../b", "./x", ".env", "a//b", "/etc/passwd",
                          "%2e%2e/x", "a\\b", "a b", "x?y"}) {
    EXPECT_EQ(app_file_name(bad).error(), make_error_code(errc::no_route)) << bad;
  }
  EXPECT_FALSE(app_file_name(std::string(300, 'a')));
}

TEST(StaticFiles, ContentTypesFollowTheExtension) {
  EXPECT_EQ(content_type_of("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_of("a/b.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_of("s.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_of("i.png"), "image/png");
  EXPECT_EQ(content_type_of("noext"), "application/octet-stream");
}

TEST(StaticFiles, ReadsARegularFileWithinTheBoundOnly) {
  const fs::path root = fs::temp_directory_path() / ("iris_static_" + std::to_string(::getpid()));
  fs::create_directories(root / "sub");
  std::ofstream(root / "sub" / "a.js") << "hello";
  std::ofstream(root.parent_path() / ("iris_static_outside_" + std::to_string(::getpid()))) << "secret";
  fs::create_symlink(root.parent_path() / ("iris_static_outside_" + std::to_string(::getpid())), root / "link.js");
  EXPECT_EQ(read_app_file(root, "sub/a.js", 100).value(), "hello");
  EXPECT_FALSE(read_app_file(root, "sub/a.js", 4));       // over the bound
  EXPECT_FALSE(read_app_file(root, "sub", 100));          // a folder
  EXPECT_FALSE(read_app_file(root, "missing.js", 100));
  EXPECT_FALSE(read_app_file(root, "link.js", 100));      // leads outside
  fs::remove_all(root);
  fs::remove(root.parent_path() / ("iris_static_outside_" + std::to_string(::getpid())));
}

}  // namespace
}  // namespace iris::net
