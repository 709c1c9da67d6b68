#include "apps/irisctl/cli.h"

#include <gtest/gtest.h>

namespace iris::ops {
namespace {

TEST(IrisctlOptionsTest, ReadsTheCommandAndBothFlagSpellings) {
  const char* argv[] = {"irisctl", "user", "where", "42", "--zookeeper", "127.0.0.1:2999", "--json",
                        "--timeout_ms=500"};
  std::string error;
  auto o = parse_options(8, argv, error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->command, (std::vector<std::string>{"user", "where", "42"}));
  EXPECT_EQ(o->zookeeper, "127.0.0.1:2999");
  EXPECT_TRUE(o->json);
  EXPECT_EQ(o->timeout, std::chrono::milliseconds(500));
}

TEST(IrisctlOptionsTest, RefusesUnknownFlagsMissingValuesAndBadNumbers) {
  std::string error;
  const char* unknown[] = {"irisctl", "cells", "--colour", "red"};
  EXPECT_FALSE(parse_options(4, unknown, error));
  EXPECT_NE(error.find("--colour"), std::string::npos);
  const char* missing[] = {"irisctl", "cells", "--zookeeper"};
  EXPECT_FALSE(parse_options(3, missing, error));
  EXPECT_NE(error.find("needs a value"), std::string::npos);
  const char* bad[] = {"irisctl", "cells", "--timeout_ms", "0"};
  EXPECT_FALSE(parse_options(4, bad, error));
}

TEST(IrisctlOptionsTest, UserMoveReadsBothPairsAndItsBounds) {
  const char* argv[] = {"irisctl", "user", "move", "42", "b", "--store", "a=127.0.0.1:1,127.0.0.1:2",
                        "--store=b=127.0.0.1:3/iris_b", "--max_move_bytes", "1000", "--fence_wait_ms", "2500"};
  std::string error;
  auto o = parse_options(12, argv, error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->stores, (std::map<std::string, std::string>{{"a", "127.0.0.1:1,127.0.0.1:2"},
                                                           {"b", "127.0.0.1:3/iris_b"}}));
  EXPECT_EQ(o->max_move_bytes, 1000u);
  EXPECT_EQ(o->fence_wait, std::chrono::seconds(2));
  const char* short_wait[] = {"irisctl", "user", "move", "42", "b", "--fence_wait_ms", "10"};
  EXPECT_FALSE(parse_options(7, short_wait, error)) << "the server's lock wait has whole seconds";
  const char* no_cell[] = {"irisctl", "user", "move", "42", "b", "--store", "=127.0.0.1:1"};
  EXPECT_FALSE(parse_options(7, no_cell, error));
  EXPECT_NE(help_text().find("user move USER CELL"), std::string::npos);
}

}  // namespace
}  // namespace iris::ops
