#pragma once
// TcpProxy: a loopback TCP relay for the chaos test. Devices connect to it; it connects each
// one to the current target port (irisd's, which changes when irisd restarts) and copies
// bytes both ways until either side closes or the test cuts the connection. Runs its own
// io_context on its own thread; the methods are safe from any thread.

#include <cstdint>
#include <memory>

namespace iris::testing {

class TcpProxy {
 public:
  explicit TcpProxy(std::uint16_t target_port);
  ~TcpProxy();

  std::uint16_t port() const;
  void set_target(std::uint16_t target_port);
  // Closes one live relayed connection chosen by `pick` (modulo their number), if any.
  void cut_one(std::uint64_t pick);
  void cut_all();
  std::uint64_t cuts() const;
  std::uint64_t accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iris::testing
