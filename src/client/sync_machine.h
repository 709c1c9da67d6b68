#pragma once
// SyncMachine: what a device does with each message of its deltas topic, as a pure
// function of what it holds (its Position) and what it has seen on this connection.
// No I/O, no clock: Client feeds it decoded messages and carries out the Decision.
// One per Client, on the client's thread; reset by on_connected() for each connection.
//
// The rules (docs/PROTOCOL.md "Sync over MQTT"):
//  - a DeltaBatch of our epoch starting at seq + 1 is applied (with its seq, atomically);
//  - one that ends at or before seq was already applied: acknowledged, ignored;
//  - one that starts after seq + 1 (a gap), overlaps what we have, or names another epoch
//    means the stream and the store disagree: resume from what we have, on a fresh
//    connection (the old stream's in-flight batches die with it, so the seam is clean);
//  - Resync temporary: resume again after retry_after; too_old, epoch_changed and
//    backlog_too_large: take a snapshot; with a thread: refetch only that thread;
//  - Heartbeat: head <= seq means up to date; a head past seq twice in a row with no
//    delta in between means a stalled stream: resume at once; another epoch: resume.

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "client/local_store.h"
#include "wire/messages.h"

namespace iris::client {

namespace decision {
struct Apply {};        // apply the batch, then acknowledge it
struct Ignore {};       // acknowledge, nothing to store
struct Reconnect {      // drop this connection and resume from the stored position
  std::string why;
};
struct Snapshot {       // replace local state with a snapshot, then resume from it
  wire::Resync resync;
};
struct RefetchThread {  // drop and refetch one thread; the stream goes on
  core::ThreadId thread;
};
struct ResumeLater {    // send the same resume again after `delay`
  std::chrono::milliseconds delay;
};
struct UpToDate {};     // the device holds everything up to the head
}  // namespace decision

using Decision = std::variant<decision::Apply, decision::Ignore, decision::Reconnect,
                              decision::Snapshot, decision::RefetchThread,
                              decision::ResumeLater, decision::UpToDate>;

// Whether a send refused with this code may succeed if retried (same client id).
bool is_retryable(wire::ErrorCode code);

class SyncMachine {
 public:
  // A new connection: forget what the last one said.
  void on_connected();
  // A message from the deltas topic; `have` is the store's position now.
  Decision on_delta(const wire::Message& message, Position have);
  // The head the server last reported (heartbeat or resync), if any on this connection.
  std::optional<core::Seq> known_head() const { return head_; }
  bool up_to_date(Position have) const { return head_ && have.seq >= *head_; }

 private:
  Decision on_batch(const wire::DeltaBatch& batch, Position have);
  Decision on_heartbeat(const wire::Heartbeat& hb, Position have);

  std::optional<core::Seq> head_;
  // A heartbeat said the head was past our seq, and no delta has come since.
  bool behind_at_last_heartbeat_ = false;
};

}  // namespace iris::client
