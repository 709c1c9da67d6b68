#include "net/channel_listener.h"

#include <boost/asio/post.hpp>
#include <charconv>

#include "base/log.h"
#include "base/thread_name.h"
#include "net/errc.h"
#include "net/event_loop.h"

namespace iris::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

void ChannelLoop::post(std::function<void()> fn) {
  std::lock_guard lock(mutex);
  if (running) asio::post(io, std::move(fn));
}

ChannelListener::ChannelListener(std::shared_ptr<ChannelLoop> loop, std::string key, std::string thread_name)
    : loop_(std::move(loop)), key_(std::move(key)), thread_name_(std::move(thread_name)) {}

ChannelListener::~ChannelListener() { stop(); }

Result<std::uint16_t> ChannelListener::start(const std::string& listen, std::size_t max_connections, Accept accept) {
  max_connections_ = max_connections;
  accept_ = std::move(accept);
  const auto colon = listen.rfind(':');
  std::uint16_t port = 0;
  std::string host = colon == std::string::npos ? std::string() : listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const char* end = listen.data() + listen.size();
  const auto parsed = colon == std::string::npos ? std::from_chars_result{nullptr, std::errc::invalid_argument}
                                                 : std::from_chars(listen.data() + colon + 1, end, port);
  ErrorCode ec;
  const auto ip = asio::ip::make_address(host, ec);
  if (colon == std::string::npos || ec || parsed.ec != std::errc() || parsed.ptr != end) {
    IRIS_LOG(error, "net", "{}: '{}' is not HOST:PORT with an IP address", key_, listen);
    return fail(errc::listen_failed);
  }
  auto& acceptor = loop_->acceptor;
  const tcp::endpoint endpoint(ip, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    IRIS_LOG(error, "net", "{}: cannot listen on {}: {}", key_, listen, ec.message());
    return fail(errc::listen_failed);
  }
  const std::uint16_t bound = acceptor.local_endpoint().port();
  do_accept();
  thread_ = std::thread([loop = loop_, name = thread_name_, key = key_] {
    name_this_thread(name.c_str());
    run_event_loop(loop->io, key);
  });
  return bound;
}

void ChannelListener::do_accept() {
  // The listener outlives the loop's run (stop() joins before it is destroyed).
  loop_->acceptor.async_accept([this](ErrorCode ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !loop_->acceptor.is_open()) return;
    if (!ec) accept_(std::move(socket), loop_->open.load() >= max_connections_);
    do_accept();
  });
}

void ChannelListener::stop() {
  {
    std::lock_guard lock(loop_->mutex);
    if (!loop_->running) return;
    loop_->running = false;
  }
  loop_->io.stop();
  if (thread_.joinable()) thread_.join();
  // The loop has stopped: nothing else touches the acceptor now. The connections close with
  // the io_context's queued handlers, when the last owner of the loop lets go.
  ErrorCode ec;
  loop_->acceptor.close(ec);
}

}  // namespace iris::net
