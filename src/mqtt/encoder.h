#pragma once
// Encoding of packets for one protocol version (CONNECT always uses its own `version`).
// On 3.1.1 properties are dropped and reason codes are mapped to the 3.1.1 return codes
// (reason_code.h). Requires: the packet is valid for that version (the broker only builds
// valid packets; tests round-trip through the Decoder to prove it).

#include "mqtt/packet/packet.h"

namespace iris::mqtt {

// Appends the encoded packet to `out`; returns the number of bytes appended.
std::size_t encode(const Packet& packet, Version version, Bytes& out);
Bytes encode(const Packet& packet, Version version);

// The encoded size without encoding (to check a client's Maximum Packet Size first).
std::size_t encoded_size(const Packet& packet, Version version);

}  // namespace iris::mqtt
