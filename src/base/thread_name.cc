#include "base/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace iris {

void name_this_thread(const char* name) {
  // pthread_setname_np fails (ERANGE) on names over 15 characters: cut rather than lose it.
  const std::string cut(name, std::min<std::size_t>(std::strlen(name), 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace iris
