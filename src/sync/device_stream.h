#pragma once
// DeviceStream: what one connected device has been sent and has acknowledged, and what it
// should be sent next (DESIGN.md steps 3-4). Pure and owned by the device's shard.
//
// The stream never buffers updates: it hands out seq ranges to read (from the memory tier
// or the store), so a slow or stalled device costs a few integers, however far behind it
// is. At most `max_inflight` batches are unacknowledged at once; a device that stops
// acking stops receiving, and nobody else notices.
//
// Invariants: acked <= sent <= head; ranges handed out are contiguous and gapless
// (each starts at the previous end + 1), so the device's continuity check holds. A range
// may leave without a batch (skip(): the device's own requests, whose results it has); the
// next batch's ack then acknowledges it too.

#include <cstddef>
#include <deque>
#include <optional>

#include "core/ids.h"

namespace iris::sync {

struct StreamLimits {
  // Unacknowledged batches per device. Default 4: enough to keep a catch-up streaming over
  // a round trip; more only costs memory in the client's QoS 1 window.
  std::size_t max_inflight = 4;
  // Most updates one range covers. Default 256 (sync::BatchLimits::max_updates).
  std::size_t max_range = 256;
  // The device's cursor is written to the store once it is this many seqs ahead of the last
  // write (and once more when the device disconnects or resumes), not on every ack: a cursor
  // write per ack was a store operation per push. A cursor lost in a crash is at most this far
  // behind, which only causes a redelivery the device drops by seq. 1 = write on every ack.
  // Default 256.
  std::size_t cursor_write_lag = 256;
};

struct SendRange {
  core::Seq from;
  core::Seq to;
  bool catch_up;  // part of the backlog the device resumed with: may be folded
  bool operator==(const SendRange&) const = default;
};

class DeviceStream {
 public:
  // Starts after a resume that was answered with a stream: the device holds up to
  // `resumed_at`, and the queue's head is `head`. Everything up to `head` is catch-up.
  DeviceStream(core::Seq resumed_at, core::Seq head, StreamLimits limits = {});

  // The queue grew to `head` (ignored if not ahead of what is known).
  void on_head(core::Seq head);
  // The device acknowledged the batch that ends at `last`. Acks of batches never sent, or
  // out of order, are ignored and return false; the cursor never moves backward.
  bool on_ack(core::Seq last);
  // The next range to send, or nullopt when up to date or the window is full. Marks it sent.
  std::optional<SendRange> next();
  // The range next() just returned goes without a batch: every update in it is one of the
  // device's own requests, which their results carried to it. It stays sent but is not in
  // flight: nothing will acknowledge it but the ack of a later batch.
  void skip();
  // Nothing in flight and nothing left to send: the device holds the head (acked() may
  // still be behind it by what skip() covered).
  bool up_to_date() const { return inflight_.empty() && sent_ >= head_; }

  core::Seq acked() const { return acked_; }
  core::Seq sent() const { return sent_; }
  core::Seq head() const { return head_; }
  std::size_t inflight() const { return inflight_.size(); }

 private:
  StreamLimits limits_;
  core::Seq acked_;
  core::Seq sent_;
  core::Seq head_;
  core::Seq catch_up_end_;  // the head when the device resumed
  std::deque<core::Seq> inflight_;  // last seq of each unacknowledged range, ascending
};

}  // namespace iris::sync
