#include "net/event_loop.h"

#include <exception>

#include "base/log.h"

namespace iris::net {

std::size_t run_event_loop(boost::asio::io_context& io, std::string_view loop) {
  std::size_t caught = 0;
  for (;;) {
    try {
      io.run();
      return caught;
    } catch (const std::exception& e) {
      ++caught;
      IRIS_LOG(error, "net", "{}: an event-loop handler threw: {}; the loop goes on", loop, e.what());
    } catch (...) {
      ++caught;
      IRIS_LOG(error, "net", "{}: an event-loop handler threw a non-standard exception; the loop goes on", loop);
    }
  }
}

}  // namespace iris::net
