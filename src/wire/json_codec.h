#pragma once
// The JSON mapping of the sync protocol's messages, for debugging and browser clients. It
// carries exactly what the Thrift encoding carries (a message survives Thrift -> JSON ->
// Thrift byte for byte) and follows mechanical rules from iris.thrift:
//
//   struct        object keyed by field name (not id); every field written, `optional`
//                 ones only when set
//   union         object with exactly one member (Envelope: {"ack": {...}})
//   i64           decimal string ("18446744073709551615"): ids, seqs and epochs are
//                 unsigned 64-bit and lose precision as JavaScript numbers; time_ms is a
//                 signed decimal string
//   i32           number (an integer)
//   enum          its name as a string ("too_old")
//   bool          true / false
//   string        string (UTF-8, escaped only where JSON requires)
//   ClientMsgId   32 lowercase hex digits, high half first (either case accepted)
//   list          array
//
// Decoding is strict RFC 8259 (see detail/json.h) and bounded by the same Limits as the
// compact decoder, and applies the same rules after parsing: unknown keys are skipped (a
// newer peer's fields), missing fields take their defaults, a repeated key, `null` or a
// value of the wrong JSON type is malformed.

#include <string>
#include <string_view>

#include "base/result.h"
#include "wire/limits.h"
#include "wire/messages.h"

namespace iris::wire {

// Compact JSON (no whitespace). Requires: as encode() in codec.h.
template <WireMessage M>
std::string encode_json(const M& message);

// The IDL's name of the Envelope member `message` holds ("delta_batch", "heartbeat", ...):
// its key in JSON.
std::string_view member_name(const Message& message);

// Errors as decode() in codec.h, from the same errc.
template <WireMessage M>
Result<M> decode_json(std::string_view text, const Limits& limits = {});

}  // namespace iris::wire
