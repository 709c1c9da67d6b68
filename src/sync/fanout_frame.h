#pragma once
// The frame of the server-to-server link (docs/CLUSTER.md "Sends across servers"): one
// pending fan-out, i.e. one update of a sender's queue and the recipients the receiving
// server is asked to append it to. It travels as the payload of a QoS 1 PUBLISH on
// kFanoutTopic; the PUBACK is the receiver's confirmation. Pure: bytes in, values out.
//
// Version 1, all integers big-endian:
//   frame      = version:u8 (1) sender:u64 seq:u64 count:u16 recipient:u64{count} update
//   update     = a wire DeltaBatch (Thrift compact, wire/codec.h) holding exactly this one
//                update, first_seq = last_seq = seq (the sender's seq)
// A receiver refuses any other version (unknown_version): a peer speaking a newer link is
// disconnected rather than half understood.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/queue_store.h"

namespace iris::sync {

// The topic of the link's frames: intercepted by the receiving server, published only by
// authenticated cell peers (net/iris_auth.h).
inline constexpr std::string_view kFanoutTopic = "c/fanout";
// Typing signals between the servers of a cell: QoS 0, the payload a `typing` Envelope in
// Thrift compact, already checked (participant, stamped user) by the sender's server.
inline constexpr std::string_view kTypingLinkTopic = "c/typing";
inline constexpr std::uint8_t kFanoutFrameVersion = 1;

struct FanoutFrameLimits {
  // Most recipients in one frame: RequestLimits::max_participants (a thread's size).
  std::size_t max_recipients = 250;
  // Largest frame, checked before anything is decoded: the link's MQTT packet size bounds
  // it too (mqtt.max_packet_size), this bounds what the decoder looks at.
  std::size_t max_bytes = std::size_t{1} << 20;
};

// Requires: 1 <= recipients.size() <= 65535.
std::string encode_fanout_frame(const store::PendingFanout& fanout);

// Exactly one frame from all of `bytes`. errc::unknown_frame_version when the first byte is
// not kFanoutFrameVersion; errc::bad_frame when it is over a limit (checked before reading
// further), truncated, has trailing bytes, lists no recipient, 0 or one twice, or its update
// does not decode as a one-update DeltaBatch at its seq.
Result<store::PendingFanout> decode_fanout_frame(std::string_view bytes, const FanoutFrameLimits& limits);

}  // namespace iris::sync
