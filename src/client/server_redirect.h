#pragma once
// ServerRedirect: where the client's next connection goes when the server names another
// (MQTT 5 Server Reference with CONNACK or DISCONNECT 0x9C "use another server" / 0x9D
// "server moved"; in a cell, the server that owns the user: docs/CLUSTER.md "Devices"). Pure.
//
// A reference is followed for the next connection only, and at most `max_hops` times in a
// row without a connection that was accepted; past that, or when a connection ends any other
// way (refused, lost, the server died), the client goes back to its configured server, which
// relays or redirects it afresh. So two servers whose rings disagree for a moment cannot
// bounce a device between them for ever, and a dead owner is never dialled twice.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace iris::client {

struct ServerAddress {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const ServerAddress&) const = default;
};

// The first address of a Server Reference ("host:port", "[v6]:port", or "host" with
// `default_port`; MQTT 5.0 §4.11 allows a space-separated list, the first is taken). Nullopt
// when it does not parse (empty, a port outside 1..65535, an unclosed bracket).
std::optional<ServerAddress> parse_server_reference(std::string_view reference, std::uint16_t default_port);

class ServerRedirect {
 public:
  ServerRedirect(ServerAddress configured, std::uint32_t max_hops);

  // Where the next connection goes.
  const ServerAddress& target() const { return redirected_ ? *redirected_ : configured_; }
  bool redirected() const { return redirected_.has_value(); }

  // The server named `reference`: true when the next connection goes there (reconnect at
  // once); false when it does not parse or the hops in a row are spent (the configured server
  // is next, after the usual backoff).
  bool follow(std::string_view reference);
  // The server accepted the connection (CONNACK success): the hops in a row start again.
  void connected() { hops_ = 0; }
  // The connection ended without a reference: the configured server is next.
  void ended();

 private:
  ServerAddress configured_;
  std::uint32_t max_hops_;
  std::uint32_t hops_ = 0;
  std::optional<ServerAddress> redirected_;
};

}  // namespace iris::client
