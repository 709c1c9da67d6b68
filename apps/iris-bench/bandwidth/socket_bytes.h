#pragma once
// Bytes a TCP socket carried, from the kernel (TCP_INFO): what went over the wire in each
// direction as TCP payload, so everything above TCP (TLS records and handshakes, MQTT and
// HTTP framing) is in it and nothing is estimated. IP and TCP headers are not.

#include <cstdint>

namespace iris::bench {

struct SocketBytes {
  std::uint64_t sent = 0;      // tcpi_bytes_sent: payload bytes sent, retransmissions included
  std::uint64_t received = 0;  // tcpi_bytes_received: payload bytes received
  SocketBytes& operator+=(const SocketBytes& o) {
    sent += o.sent;
    received += o.received;
    return *this;
  }
  SocketBytes operator-(const SocketBytes& o) const { return {sent - o.sent, received - o.received}; }
  std::uint64_t total() const { return sent + received; }
};

// The counters of the connected TCP socket `fd`; zeros when it has none (not connected).
SocketBytes socket_bytes(int fd);

}  // namespace iris::bench
