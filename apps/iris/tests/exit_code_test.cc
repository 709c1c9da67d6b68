#include "apps/iris/exit_code.h"

#include <gtest/gtest.h>

#include <set>

#include "client/errc.h"

namespace iris::cli {
namespace {

TEST(ExitCode, EveryClientErrorHasItsDocumentedCode) {
  using client::errc;
  const std::pair<errc, int> expected[] = {
      {errc::not_configured, 3}, {errc::unreachable, 4},  {errc::bad_token, 5},
      {errc::not_participant, 6}, {errc::unknown_thread, 7}, {errc::refused, 8},
      {errc::unavailable, 9},    {errc::snapshot_unavailable, 9}, {errc::timeout, 10},
      {errc::protocol, 11},      {errc::store, 12},        {errc::stopped, 1},
      {errc::file, 13},
  };
  // The table above lists every enumerator: errc values run 1..stopped+... contiguously.
  std::set<int> seen;
  for (auto [e, code] : expected) {
    EXPECT_EQ(exit_code(make_error_code(e)), code) << make_error_code(e).message();
    seen.insert(static_cast<int>(e));
  }
  for (int v = 1; v <= static_cast<int>(errc::file); ++v)
    EXPECT_TRUE(seen.contains(v)) << "errc value " << v << " has no expected exit code";
}

TEST(ExitCode, SuccessUsageAndForeignErrors) {
  EXPECT_EQ(exit_code({}), 0);
  EXPECT_EQ(exit_code(std::make_error_code(std::errc::invalid_argument)), kExitUsage);
  EXPECT_EQ(exit_code(std::make_error_code(std::errc::io_error)), kExitOther);
}

TEST(ExitCode, DistinctFailuresPeopleActOnHaveDistinctCodes) {
  using client::errc;
  std::set<int> codes;
  for (auto e : {errc::not_configured, errc::unreachable, errc::bad_token, errc::not_participant,
                 errc::unknown_thread})
    EXPECT_TRUE(codes.insert(exit_code(make_error_code(e))).second);
}

}  // namespace
}  // namespace iris::cli
