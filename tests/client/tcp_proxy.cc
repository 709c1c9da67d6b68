#include "tests/client/tcp_proxy.h"

#include <boost/asio.hpp>

#include <array>
#include <atomic>
#include <list>
#include <thread>

namespace iris::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// One relayed connection: both sockets and two copy loops.
struct Pair : std::enable_shared_from_this<Pair> {
  explicit Pair(asio::io_context& io) : client(io), server(io) {}
  tcp::socket client, server;
  std::array<char, 16384> up{}, down{};
  bool closed = false;

  void close() {
    if (closed) return;
    closed = true;
    boost::system::error_code ec;
    client.close(ec);
    server.close(ec);
  }
  void pump(tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buf) {
    auto self = shared_from_this();
    from.async_read_some(asio::buffer(buf), [self, &from, &to, &buf](auto ec, std::size_t n) {
      if (ec) return self->close();
      asio::async_write(to, asio::buffer(buf.data(), n), [self, &from, &to, &buf](auto ec2, std::size_t) {
        if (ec2) return self->close();
        self->pump(from, to, buf);
      });
    });
  }
};

}  // namespace

struct TcpProxy::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::atomic<std::uint16_t> target;
  std::list<std::weak_ptr<Pair>> pairs;  // touched on the io thread only
  std::atomic<std::uint64_t> cuts{0}, accepted{0};
  std::thread thread;

  void accept() {
    auto p = std::make_shared<Pair>(io);
    acceptor.async_accept(p->client, [this, p](auto ec) {
      if (ec) return;
      ++accepted;
      p->server.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), target.load()),
                              [p](auto ec2) {
                                if (ec2) return p->close();
                                p->pump(p->client, p->server, p->up);
                                p->pump(p->server, p->client, p->down);
                              });
      pairs.remove_if([](auto& w) { return w.expired(); });
      pairs.push_back(p);
      accept();
    });
  }
};

TcpProxy::TcpProxy(std::uint16_t target_port) : impl_(std::make_unique<Impl>()) {
  impl_->target = target_port;
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TcpProxy::~TcpProxy() {
  asio::post(impl_->io, [this] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
    for (auto& w : impl_->pairs)
      if (auto p = w.lock()) p->close();
  });
  impl_->thread.join();
}

std::uint16_t TcpProxy::port() const { return impl_->acceptor.local_endpoint().port(); }
void TcpProxy::set_target(std::uint16_t target_port) { impl_->target = target_port; }
std::uint64_t TcpProxy::cuts() const { return impl_->cuts; }
std::uint64_t TcpProxy::accepted() const { return impl_->accepted; }

void TcpProxy::cut_one(std::uint64_t pick) {
  asio::post(impl_->io, [this, pick] {
    std::vector<std::shared_ptr<Pair>> live;
    for (auto& w : impl_->pairs)
      if (auto p = w.lock(); p && !p->closed) live.push_back(p);
    if (live.empty()) return;
    live[pick % live.size()]->close();
    ++impl_->cuts;
  });
}

void TcpProxy::cut_all() {
  asio::post(impl_->io, [this] {
    for (auto& w : impl_->pairs)
      if (auto p = w.lock(); p && !p->closed) {
        p->close();
        ++impl_->cuts;
      }
  });
}

}  // namespace iris::testing
