#include "base/stop_signals.h"

#include <gtest/gtest.h>

#include <future>
#include <unistd.h>

namespace iris {
namespace {

TEST(StopSignals, ASigtermReachesTheWaiterAndNoHandlerInAnyThread) {
  block_stop_signals();
  // A thread started afterwards inherits the mask, so the signal stays pending for the waiter
  // instead of killing the process (the default action of SIGTERM).
  auto waiter = std::async(std::launch::async, [] { return wait_for_stop_signal(); });
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  ASSERT_EQ(waiter.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(waiter.get(), SIGTERM);
}

TEST(StopSignals, SigpipeIsIgnored) {
  block_stop_signals();
  struct sigaction now {};
  ASSERT_EQ(sigaction(SIGPIPE, nullptr, &now), 0);
  EXPECT_EQ(now.sa_handler, SIG_IGN);
}

}  // namespace
}  // namespace iris
