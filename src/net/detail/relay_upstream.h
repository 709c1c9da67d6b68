#pragma once
// RelayUpstream: the owner-side half of a relayed connection (docs/CLUSTER.md "Devices"): a
// plain TCP connection from this server to the MQTT port of the server that owns the
// device's user, carrying the device's bytes unchanged in both directions. The device side
// stays a Connection (any transport: TCP, TLS, WebSocket); this is only the pipe behind it.
//
// Bounded: bytes waiting to go to the owner are capped (NetOptions::max_write_queue_bytes,
// like any client's write queue), and send() says when the cap is passed so the relay is
// closed rather than buffering without end. Lives on its shard's thread; its handlers run
// there.

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "mqtt/packet/types.h"

namespace iris::net::detail {

// A peer server's address as the cell publishes it, "ip:port" or "[v6]:port"; nullopt when it
// is not that (no name lookups: a cell's addresses are IPs).
std::optional<boost::asio::ip::tcp::endpoint> parse_endpoint(const std::string& address);

class RelayUpstream : public std::enable_shared_from_this<RelayUpstream> {
 public:
  struct Handlers {
    // Bytes from the owner; `first` for the first read (it starts with the owner's CONNACK).
    std::function<void(iris::mqtt::Bytes bytes, bool first)> on_bytes;
    // The owner closed, or could not be reached; called once, never after close().
    std::function<void(const std::string& why)> on_closed;
    // The connection to the owner was refused (ECONNREFUSED), before on_closed. Optional.
    std::function<void()> on_refused{};
  };

  RelayUpstream(boost::asio::io_context& io, std::size_t max_pending);

  // Connects to `address` ("ip:port", "[v6]:port") and writes `first` (the device's CONNECT).
  void start(const std::string& address, iris::mqtt::Bytes first, Handlers handlers);
  // Queues device bytes for the owner; false when more than max_pending would wait.
  bool send(std::span<const std::uint8_t> data);
  // The device side is done: write what is queued, then close. No handler runs after this.
  void close();

 private:
  void do_write();
  void do_read();
  void fail(const std::string& why);

  boost::asio::ip::tcp::socket socket_;
  const std::size_t max_pending_;
  Handlers handlers_;
  std::vector<iris::mqtt::Bytes> pending_, in_flight_;
  std::size_t pending_bytes_ = 0;
  bool connected_ = false, writing_ = false, closing_ = false, done_ = false, first_read_ = true;
  std::array<std::uint8_t, 16 * 1024> buffer_;
};

}  // namespace iris::net::detail
