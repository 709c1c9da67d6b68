#include "net/event_loop.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

namespace iris::net {
namespace {

TEST(EventLoop, AThrowingHandlerIsLoggedAndTheLoopServesTheRest) {
  boost::asio::io_context io;
  int served = 0;
  boost::asio::post(io, [&] { ++served; });
  boost::asio::post(io, [] { throw std::length_error("field value too large"); });
  boost::asio::post(io, [&] { ++served; });
  boost::asio::post(io, [] { throw 42; });
  boost::asio::post(io, [&] { ++served; });
  EXPECT_EQ(run_event_loop(io, "test loop"), 2u);
  EXPECT_EQ(served, 3);
}

TEST(EventLoop, ReturnsWhenThereIsNoWorkLeft) {
  boost::asio::io_context io;
  EXPECT_EQ(run_event_loop(io, "idle loop"), 0u);
}

}  // namespace
}  // namespace iris::net
