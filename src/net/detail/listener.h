#pragma once
// Listener: one acceptor of ServerCore (detail/server_core.h), on shard 0's thread.

#include <boost/asio/post.hpp>

#include "base/log.h"
#include "net/detail/connection.h"
#include "net/detail/http_session.h"
#include "net/detail/server_core.h"
#include "net/errc.h"

namespace iris::net::detail {

enum class ListenerKind { plain, tls, ws, http, https };

// One acceptor, on shard 0's thread; each accepted socket goes to the next shard in turn.
class Listener {
 public:
  Listener(ServerCore& core, ListenerKind kind, asio::ssl::context* tls)
      : core_(core), kind_(kind), tls_(tls), acceptor_(core.shard(0).io()),
        retry_(core.shard(0).io()) {}

  Result<std::uint16_t> open(const std::string& address, std::uint16_t port) {
    ErrorCode ec;
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) {
      IRIS_LOG(error, "net", "net.bind: '{}' is not an IP address", address);
      return fail(errc::listen_failed);
    }
    const tcp::endpoint endpoint(ip, port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      IRIS_LOG(error, "net", "cannot listen on {}:{}: {}", address, port, ec.message());
      return fail(errc::listen_failed);
    }
    return acceptor_.local_endpoint().port();
  }

  void start() { do_accept(); }
  void close() {
    ErrorCode ec;
    acceptor_.close(ec);
    retry_.cancel();
  }

 private:
  void do_accept() {
    Shard& shard = core_.next_accept_shard();
    acceptor_.async_accept(shard.io(), [this, &shard](ErrorCode ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors or memory: back off instead of spinning on the error.
        if (shard.may_log()) IRIS_LOG(warn, "net", "accept failed: {}", ec.message());
        retry_.expires_after(std::chrono::milliseconds(100));
        retry_.async_wait([this](ErrorCode wec) {
          if (!wec) do_accept();
        });
        return;
      }
      PreauthTicket preauth;
      if (admit(socket, preauth)) {
        asio::post(shard.io(), [&shard, kind = kind_, tls = tls_, s = std::move(socket),
                                preauth = std::move(preauth)]() mutable {
          switch (kind) {
            case ListenerKind::plain:
              return std::make_shared<Connection<TcpTransport>>(
                         shard, TcpTransport(std::move(s)), std::move(preauth))
                  ->start();
            case ListenerKind::tls:
              return std::make_shared<Connection<TlsTransport>>(
                         shard, TlsTransport(std::move(s), *tls), std::move(preauth))
                  ->start();
            case ListenerKind::ws:
              return std::make_shared<Connection<WsTransport>>(
                         shard, WsTransport(std::move(s)), std::move(preauth))
                  ->start();
            case ListenerKind::http:
              return start_http_session(shard, std::move(s), nullptr, std::move(preauth));
            case ListenerKind::https:
              return start_http_session(shard, std::move(s), tls, std::move(preauth));
          }
        });
      } else {
        ErrorCode ignored;
        socket.close(ignored);
      }
      do_accept();
    });
  }

  // The connection limits, checked before any byte is read: net.max_connections, then the
  // pre-auth budget. On success `preauth` holds the socket's slot. Logs refusals (rate-
  // limited: this runs on shard 0's thread).
  bool admit(const tcp::socket& socket, PreauthTicket& preauth) {
    const NetOptions& net = core_.shard(0).net_options();
    if (core_.connections_open.load() >= net.max_connections) {
      ++core_.connections_refused;
      if (core_.shard(0).may_log()) {
        IRIS_LOG(info, "net", "refused a connection: net.max_connections ({}) reached",
                 net.max_connections);
      }
      return false;
    }
    ErrorCode ec;
    const auto peer = socket.remote_endpoint(ec);
    if (ec) return false;  // already gone
    auto [verdict, ticket] = core_.admit_preauth(peer.address());
    if (verdict == PreauthBudget::Verdict::admitted) {
      preauth = std::move(ticket);
      return true;
    }
    ++core_.preauth_refused;
    if (core_.shard(0).may_log()) {
      const bool total = verdict == PreauthBudget::Verdict::total_full;
      IRIS_LOG(warn, "net", "refused a connection from {}: {} ({}) reached",
               peer.address().to_string(),
               total ? "net.max_preauth_connections" : "net.max_preauth_per_source",
               total ? net.max_preauth_connections : net.max_preauth_per_source);
    }
    return false;
  }

  ServerCore& core_;
  const ListenerKind kind_;
  asio::ssl::context* tls_;  // owned by ServerCore; null unless kind_ is tls
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
};

}  // namespace iris::net::detail
