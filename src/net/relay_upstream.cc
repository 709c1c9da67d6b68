#include "net/detail/relay_upstream.h"

#include <optional>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace iris::net::detail {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::optional<tcp::endpoint> parse_endpoint(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) return std::nullopt;
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  for (char c : address.substr(colon + 1)) {
    if (c < '0' || c > '9' || (port = port * 10 + static_cast<unsigned>(c - '0')) > 65535) return std::nullopt;
  }
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(host, ec);
  if (ec || port == 0) return std::nullopt;
  return tcp::endpoint(ip, static_cast<std::uint16_t>(port));
}

RelayUpstream::RelayUpstream(asio::io_context& io, std::size_t max_pending)
    : socket_(io), max_pending_(max_pending) {}

void RelayUpstream::start(const std::string& address, mqtt::Bytes first, Handlers handlers) {
  handlers_ = std::move(handlers);
  const auto endpoint = parse_endpoint(address);
  if (!endpoint) {
    auto self = shared_from_this();
    asio::post(socket_.get_executor(), [self, address] { self->fail("bad owner address " + address); });
    return;
  }
  pending_bytes_ = first.size();
  pending_.push_back(std::move(first));
  socket_.async_connect(*endpoint, [self = shared_from_this()](const boost::system::error_code& ec) {
    if (self->done_) return;
    if (ec == asio::error::connection_refused && self->handlers_.on_refused) self->handlers_.on_refused();
    if (ec) return self->fail("cannot reach the owner: " + ec.message());
    self->connected_ = true;
    boost::system::error_code ignored;
    self->socket_.set_option(tcp::no_delay(true), ignored);
    self->do_write();
    self->do_read();
  });
}

bool RelayUpstream::send(std::span<const std::uint8_t> data) {
  if (done_ || closing_) return true;
  if (pending_bytes_ + data.size() > max_pending_) return false;
  pending_bytes_ += data.size();
  pending_.emplace_back(data.begin(), data.end());
  if (connected_ && !writing_) do_write();
  return true;
}

void RelayUpstream::close() {
  if (done_) return;
  closing_ = true;
  handlers_ = {};  // the device side is gone: nothing to tell it
  if (!writing_ && (pending_.empty() || !connected_)) {
    done_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }
}

void RelayUpstream::do_write() {
  if (pending_.empty() || done_) return;
  writing_ = true;
  std::swap(pending_, in_flight_);
  std::vector<asio::const_buffer> buffers;
  for (const auto& b : in_flight_) buffers.push_back(asio::buffer(b));
  asio::async_write(socket_, buffers, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->writing_ = false;
    for (const auto& b : self->in_flight_) self->pending_bytes_ -= b.size();
    self->in_flight_.clear();
    if (self->done_) return;
    if (ec) return self->fail("write to the owner failed: " + ec.message());
    if (!self->pending_.empty()) return self->do_write();
    if (self->closing_) {
      self->done_ = true;
      boost::system::error_code ignored;
      self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
      self->socket_.close(ignored);
    }
  });
}

void RelayUpstream::do_read() {
  socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                              std::size_t n) {
    if (self->done_) return;
    if (ec) return self->fail(ec == asio::error::eof ? "the owner closed the connection" : ec.message());
    if (self->handlers_.on_bytes) {
      const bool first = std::exchange(self->first_read_, false);
      self->handlers_.on_bytes(mqtt::Bytes(self->buffer_.begin(), self->buffer_.begin() + static_cast<std::ptrdiff_t>(n)),
                               first);
    }
    self->do_read();
  });
}

void RelayUpstream::fail(const std::string& why) {
  if (done_) return;
  done_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (auto on_closed = std::move(handlers_.on_closed)) {
    handlers_ = {};
    on_closed(why);
  }
}

}  // namespace iris::net::detail
