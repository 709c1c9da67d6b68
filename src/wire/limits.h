#pragma once
// Limits: what a decoder accepts from a peer, checked before it allocates. Both codecs take
// the same Limits; a value over a limit fails with errc::too_large. The defaults fit the
// largest legitimate message (a snapshot of a big inbox) with room to spare; net/ may pass
// tighter ones per listener (device requests are small).

#include <cstddef>

namespace iris::wire {

struct Limits {
  // Largest encoded message, in bytes. Checked first, before any parsing.
  // Default 4 MiB: a 500-thread snapshot with 20 latest messages each is under 2 MiB.
  std::size_t max_message_bytes = std::size_t{4} << 20;
  // Longest string or binary value (message text, thread name), in bytes after decoding.
  // Default 64 KiB; the send path applies its own, smaller, body limit on top.
  std::size_t max_string_bytes = std::size_t{64} << 10;
  // Most elements of any one list (updates of a batch, threads of a snapshot, participants).
  std::size_t max_list_size = 10'000;
  // Deepest nesting of structs (Thrift) or of objects and arrays (JSON). The protocol
  // itself needs 6; the limit bounds the stack a hostile input can make a decoder use.
  int max_depth = 16;
};

}  // namespace iris::wire
