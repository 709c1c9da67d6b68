#include "base/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace iris {
namespace {

std::string name_of_this_thread() {
  char buf[64] = {};
  pthread_getname_np(pthread_self(), buf, sizeof buf);
  return buf;
}

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = name_of_this_thread();
  std::string seen;
  std::thread t([&] {
    name_this_thread("iris-test");
    seen = name_of_this_thread();
  });
  t.join();
  EXPECT_EQ(seen, "iris-test");
  EXPECT_EQ(name_of_this_thread(), before);
}

TEST(ThreadName, ANameOverTheKernelsFifteenCharactersIsCutNotLost) {
  std::string seen;
  std::thread t([&] {
    name_this_thread("iris-net-0123456789");
    seen = name_of_this_thread();
  });
  t.join();
  EXPECT_EQ(seen, "iris-net-012345");
}

}  // namespace
}  // namespace iris
