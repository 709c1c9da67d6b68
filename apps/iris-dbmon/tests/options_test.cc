#include "apps/iris-dbmon/options.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace iris::dbmon {
namespace {

Options parse(std::vector<std::string> args) {
  args.insert(args.begin(), "iris-dbmon");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

TEST(DbmonOptions, DefaultsAreTheDocumentedOnes) {
  const Options o = parse({"--servers", "127.0.0.1:1,127.0.0.1:2"});
  ASSERT_EQ(o.monitor.servers.size(), 2u);
  EXPECT_EQ(o.monitor.servers[1].port, 2);
  EXPECT_EQ(o.monitor.interval, std::chrono::milliseconds(100));
  EXPECT_EQ(o.monitor.policy.down_after, std::chrono::milliseconds(1000));
  EXPECT_EQ(o.monitor.promote.apply_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(o.monitor.admin.user, "root");
  EXPECT_EQ(o.monitor.replication.user, "repl");
  EXPECT_EQ(o.monitor.promote.database, "iris");
  EXPECT_TRUE(o.monitor.auto_rejoin);
  EXPECT_EQ(o.metrics_port, -1);
}

TEST(DbmonOptions, FlagsOverrideAndBadValuesAreRefusedByName) {
  const Options o = parse({"--servers=a:1,b:2", "--down_after_ms", "250", "--auto_rejoin=0",
                           "--metrics_port", "0"});
  EXPECT_EQ(o.monitor.policy.down_after, std::chrono::milliseconds(250));
  EXPECT_FALSE(o.monitor.auto_rejoin);
  EXPECT_EQ(o.metrics_port, 0);
  EXPECT_THROW(parse({}), std::runtime_error);                                  // no --servers
  EXPECT_THROW(parse({"--servers", "a:1"}), std::runtime_error);                // one server
  EXPECT_THROW(parse({"--servers", "a:1,b:2,c:3"}), std::runtime_error);        // three
  EXPECT_THROW(parse({"--servers", "a:1,b:0"}), std::runtime_error);            // port 0
  EXPECT_THROW(parse({"--servers", "a:1,b:2", "--interval_ms", "5"}), std::runtime_error);
  EXPECT_THROW(parse({"--servers", "a:1,b:2", "--database", "x`y"}), std::runtime_error);
  EXPECT_THROW(parse({"--servers", "a:1,b:2", "--repl_password", "it's"}), std::runtime_error);
  EXPECT_THROW(parse({"--servers", "a:1,b:2", "--nope", "1"}), std::runtime_error);
  try {
    parse({"--servers", "a:1,b:2", "--down_after_ms", "-1"});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--down_after_ms"), std::string::npos);
  }
  EXPECT_TRUE(parse({"--help"}).help);
}

}  // namespace
}  // namespace iris::dbmon
