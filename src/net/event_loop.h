#pragma once
// The last-resort guard around an event loop: every handler of the network layer reports
// failures by error code and catches what it could still throw (closing only its own
// connection), so an exception reaching io_context::run is a bug. It is logged and the loop
// goes on serving every other connection of its thread, instead of terminating the process.

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <string_view>

namespace iris::net {

// Runs `io` until it has no work left, as io_context::run does, logging each exception a
// handler throws (naming `loop`, e.g. "shard 3") and resuming the loop after it (Asio leaves
// the io_context usable after a handler throws). Returns how many it caught.
std::size_t run_event_loop(boost::asio::io_context& io, std::string_view loop);

}  // namespace iris::net
