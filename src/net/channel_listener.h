#pragma once
// ChannelListener: the socket side that the channels taking connections from outside Iris on
// an address of their own share: mail in (LMTP on mail.lmtp_listen, lmtp_server.h) and SMS in
// (the provider's webhook on sms.listen, sms_webhook.h). What each speaks on a connection is
// its own; this is the rest:
//
//  - one thread and io_context of its own, so a large mail or a slow provider never holds up
//    a shard's devices;
//  - "HOST:PORT" (an IP address, [v6]:PORT; port 0: any free one) bound, the port returned;
//  - at most `max_connections` open at once: the accept callback is told a connection is one
//    too many, and answers (LMTP's 421) and closes it;
//  - completions of deliveries, which run on owner shards, are posted back to the loop only
//    while it runs (ChannelLoop::post), so a stopped listener drops them instead of touching
//    a dead loop.
//
// Lifecycle: start() binds and starts the thread; stop() stops the loop, joins and closes the
// acceptor. The ChannelLoop is shared: connections (in the io_context's handlers) and shard
// completions keep it alive until the last of them lets go.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/result.h"

namespace iris::net {

// What a channel's listener, its connections and their completions share. A channel derives
// its own (counters, state its connections need) from it.
struct ChannelLoop : std::enable_shared_from_this<ChannelLoop> {
  virtual ~ChannelLoop() = default;
  // Connections alive: each counts itself in its constructor and out in its destructor.
  std::atomic<std::size_t> open{0};
  std::mutex mutex;
  bool running = true;  // GUARDED_BY(mutex): completions post only while the loop runs
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor{io};

  // Runs `fn` on the loop's thread, unless the listener stopped (then `fn` is dropped).
  void post(std::function<void()> fn);
};

class ChannelListener {
 public:
  // Called on the loop's thread with each accepted connection; `over`: it is one past
  // max_connections (answer if the protocol wants, and close it).
  using Accept = std::function<void(boost::asio::ip::tcp::socket socket, bool over)>;

  // `loop`: the channel's shared state; `key`: the config key of the address (log lines);
  // `thread_name`: the loop thread's name (at most 15 bytes).
  ChannelListener(std::shared_ptr<ChannelLoop> loop, std::string key, std::string thread_name);
  ~ChannelListener();
  ChannelListener(const ChannelListener&) = delete;
  ChannelListener& operator=(const ChannelListener&) = delete;

  // Binds `listen` and starts the loop; the bound port. net::errc::listen_failed (logged
  // with the reason).
  Result<std::uint16_t> start(const std::string& listen, std::size_t max_connections, Accept accept);
  // Idempotent.
  void stop();

 private:
  void do_accept();

  const std::shared_ptr<ChannelLoop> loop_;
  const std::string key_;
  const std::string thread_name_;
  std::size_t max_connections_ = 0;
  Accept accept_;
  std::thread thread_;
};

}  // namespace iris::net
