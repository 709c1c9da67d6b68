#pragma once
// The Thrift compact encoding of the sync protocol's messages (iris.thrift), the encoding
// of every payload Iris sends. Pure: bytes in, values out; no I/O, no shared state, safe
// to call from any thread.
//
// A payload is one Thrift struct in compact protocol with no message header: the channel
// says which struct it is (an MQTT topic, an HTTP route), or it is an Envelope (decode<
// Message>), whose union member says. Encoding reuses a per-thread scratch buffer, which
// no caller can observe.

#include <string>
#include <string_view>

#include "base/result.h"
#include "wire/limits.h"
#include "wire/messages.h"

namespace iris::wire {

// Requires: every string is valid UTF-8 and a DeltaBatch keeps its seq invariant
// (messages.h); otherwise the peer's decoder rejects the payload.
template <WireMessage M>
std::string encode(const M& message);

// Decodes exactly one M from all of `bytes` (trailing bytes are malformed). Fails with
// errc::too_large before parsing when bytes.size() > limits.max_message_bytes, and when a
// string, list or nesting depth is over its limit; truncated, malformed, unknown_kind,
// invalid_utf8 or invalid_message otherwise (errc.h). Never allocates more than a small
// multiple of the input size.
template <WireMessage M>
Result<M> decode(std::string_view bytes, const Limits& limits = {});

}  // namespace iris::wire
