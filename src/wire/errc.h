#pragma once
// Errors of the wire part: why a payload could not be decoded. Both codecs (compact and
// JSON) report through this one enum; sync/ maps it to ErrorCode::bad_encoding or
// ErrorCode::too_large on the wire, in one place.

#include <system_error>

namespace iris::wire {

enum class errc {
  // The input ended inside a value, or a length or count promised more bytes than remain.
  truncated = 1,
  // The bytes are not a valid encoding: bad type tag, bad varint, bad JSON syntax, a
  // field of the wrong type or size, trailing bytes after the message, an out-of-range
  // enum value.
  malformed,
  // The input, a string or a container is larger than the decoder's Limits allow.
  too_large,
  // A union (update body, envelope) has no member this version knows: the peer is newer.
  unknown_kind,
  // A string is not valid UTF-8.
  invalid_utf8,
  // Well-formed, but breaks a protocol rule (a delta batch whose seqs do not fit its
  // range, a negative count).
  invalid_message,
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

}  // namespace iris::wire

template <>
struct std::is_error_code_enum<iris::wire::errc> : std::true_type {};
