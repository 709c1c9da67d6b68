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

// The name a new thread reports after name_this_thread(name).
std::string name_seen_by_a_thread_named(const char* name) {
  std::string seen;
  std::thread t([&] {
    name_this_thread(name);
    seen = name_of_this_thread();
  });
  t.join();
  return seen;
}

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = name_of_this_thread();
  EXPECT_EQ(name_seen_by_a_thread_named("iris-test"), "iris-test");
  EXPECT_EQ(name_of_this_thread(), before);
}

TEST(ThreadName, ANameOverTheKernelsFifteenCharactersIsCutNotLost) {
  EXPECT_EQ(name_seen_by_a_thread_named("iris-net-0123456789"), "iris-net-012345");
}

}  // namespace
}  // namespace iris
