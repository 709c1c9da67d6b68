#pragma once
// How a daemon (irisd, iris-dbmon) stops: SIGINT and SIGTERM are blocked in every thread and
// taken by one sigwait, so no handler runs at an arbitrary point of an event loop; SIGPIPE is
// ignored, so a peer that closes while we write fails that write instead of killing us.

#include <csignal>

namespace iris {

// Call first in main(), before any thread starts: threads inherit the blocked set.
void block_stop_signals();
// Waits for SIGINT or SIGTERM (after block_stop_signals) and returns which one came.
int wait_for_stop_signal();

}  // namespace iris
