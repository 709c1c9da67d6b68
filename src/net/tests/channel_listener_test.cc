#include "net/channel_listener.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "net/errc.h"

namespace iris::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A connection as a channel keeps one: it counts itself open while it lives.
struct Held {
  Held(ChannelLoop& l, tcp::socket s) : loop(l), socket(std::move(s)) { ++loop.open; }
  ~Held() { --loop.open; }
  ChannelLoop& loop;
  tcp::socket socket;
};

struct Seen {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<bool> over;  // by mu
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 5s, [&] { return over.size() >= n; });
  }
};

TEST(ChannelListener, BindsAnyFreePortAndTellsTheConnectionPastTheBound) {
  auto loop = std::make_shared<ChannelLoop>();
  ChannelListener listener(loop, "test.listen", "iris-test");
  Seen seen;
  std::vector<std::unique_ptr<Held>> held;  // touched on the loop's thread only, then after stop()
  auto port = listener.start("127.0.0.1:0", 2, [&](tcp::socket socket, bool over) {
    if (!over) held.push_back(std::make_unique<Held>(*loop, std::move(socket)));
    std::lock_guard lock(seen.mu);
    seen.over.push_back(over);
    seen.cv.notify_all();
  });
  ASSERT_TRUE(port) << port.error().message();
  ASSERT_NE(*port, 0);
  asio::io_context io;
  std::vector<tcp::socket> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back(io);
    clients.back().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), *port));
    ASSERT_TRUE(seen.wait_for(static_cast<std::size_t>(i + 1)));
  }
  listener.stop();
  EXPECT_EQ(seen.over, (std::vector<bool>{false, false, true}));
  EXPECT_EQ(loop->open.load(), 2u);
  held.clear();
  EXPECT_EQ(loop->open.load(), 0u);
}

TEST(ChannelListener, RefusesAnAddressThatIsNotAnIpAndPort) {
  for (const char* bad : {"localhost:25", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:99999", ""}) {
    auto loop = std::make_shared<ChannelLoop>();
    ChannelListener listener(loop, "test.listen", "iris-test");
    auto r = listener.start(bad, 1, [](tcp::socket, bool) {});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), errc::listen_failed) << bad;
  }
}

TEST(ChannelListener, APostAfterStopIsDroppedNotRun) {
  auto loop = std::make_shared<ChannelLoop>();
  ChannelListener listener(loop, "test.listen", "iris-test");
  ASSERT_TRUE(listener.start("127.0.0.1:0", 1, [](tcp::socket, bool) {}));
  std::mutex mu;
  std::condition_variable cv;
  bool ran = false;
  loop->post([&] {
    std::lock_guard lock(mu);
    ran = true;
    cv.notify_all();
  });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return ran; }));
  }
  listener.stop();
  bool late = false;
  loop->post([&] { late = true; });
  loop->io.restart();
  loop->io.poll();
  EXPECT_FALSE(late);
}

}  // namespace
}  // namespace iris::net
