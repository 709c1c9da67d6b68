#include "net/static_files.h"

#include <gtest/gtest.h>

#include <fstream>

#include "net/detail/http_answer.h"
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

TEST(StaticFiles, APrecompressedCopyIsAnsweredAsItIsOnlyToAClientThatTakesGzip) {
  const fs::path root = fs::temp_directory_path() / ("iris_static_gz_" + std::to_string(::getpid()));
  fs::create_directories(root / "vendor");
  std::ofstream(root / "vendor" / "lib.js") << "plain";
  std::ofstream(root / "vendor" / "lib.js.gz") << "gzipped bytes";
  std::ofstream(root / "app.js") << "no copy";
  HttpOptions options;
  options.app_dir = root.string();
  using detail::Answer;
  using detail::app_answer;
  const Answer gz = app_answer(options, {}, true, "/app/vendor/lib.js", "vendor/lib.js");
  EXPECT_EQ(gz.body, "gzipped bytes");
  EXPECT_TRUE(gz.gzipped);
  EXPECT_EQ(gz.content_type, content_type_of("lib.js"));  // the type of what it decodes to
  const Answer plain = app_answer(options, {}, false, "/app/vendor/lib.js", "vendor/lib.js");
  EXPECT_EQ(plain.body, "plain");
  EXPECT_FALSE(plain.gzipped);
  const Answer none = app_answer(options, {}, true, "/app/app.js", "app.js");
  EXPECT_EQ(none.body, "no copy");
  EXPECT_FALSE(none.gzipped);  // compressed, if at all, by the session as any answer
  EXPECT_EQ(app_answer(options, {7, 42, 900'000}, true, "/app/config.json", "config.json").body,
            R"({"ws_port":7,"max_blob_bytes":42,"edit_window_ms":900000})");
  fs::remove_all(root);
}

}  // namespace
}  // namespace iris::net
