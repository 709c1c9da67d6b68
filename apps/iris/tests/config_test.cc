#include "apps/iris/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "client/errc.h"

namespace iris::cli {
namespace {

TEST(Config, EndpointsParseWithDefaultPorts) {
  auto m = parse_endpoint("mqtt://example.org");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->host, "example.org");
  EXPECT_EQ(m->port, 1883);
  EXPECT_FALSE(m->tls);
  auto s = parse_endpoint("mqtts://127.0.0.1:9999");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->port, 9999);
  EXPECT_TRUE(s->tls);
  EXPECT_EQ(parse_endpoint("https://h/")->port, 443);
  EXPECT_FALSE(parse_endpoint("ftp://h:1"));
  EXPECT_FALSE(parse_endpoint("mqtt://h:0"));
  EXPECT_FALSE(parse_endpoint("mqtt://h:70000"));
  EXPECT_FALSE(parse_endpoint("h:1883"));
  EXPECT_FALSE(parse_endpoint("mqtt://:1883"));
}

TEST(Config, LoginRoundTripsAndIsPrivate) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "iris-cfg-XXXXXX").string();
  const std::string dir = mkdtemp(tmpl.data());
  EXPECT_EQ(load_login(dir).error(), client::errc::not_configured);
  Login l{"mqtt://h:1", "http://h:2", "42", "tok", "phone", "", true};
  ASSERT_TRUE(save_login(dir, l).has_value());
  auto back = load_login(dir);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->token, "tok");
  EXPECT_EQ(back->http, "http://h:2");
  EXPECT_TRUE(back->insecure);
  struct stat st {};
  ASSERT_EQ(stat((dir + "/login").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto o = client_options(dir, *back);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->user, core::UserId{42});
  EXPECT_EQ(o->store_path, dir + "/store.db");
  ASSERT_TRUE(o->http.has_value());
  EXPECT_EQ(o->http->port, 2);
  std::filesystem::remove_all(dir);
}

TEST(Config, TheDirectoryFollowsXdgConfigHome) {
  EXPECT_EQ(config_dir("/explicit"), "/explicit");
  setenv("XDG_CONFIG_HOME", "/xdg", 1);
  EXPECT_EQ(config_dir(""), "/xdg/iris");
  unsetenv("XDG_CONFIG_HOME");
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(config_dir(""), "/home/u/.config/iris");
}

}  // namespace
}  // namespace iris::cli
