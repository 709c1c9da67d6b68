#pragma once
// Connection<Transport>: one client socket on its I/O shard. Kept alive by shared_from_this
// in every pending operation, and by the shard's registry until it is closed.
//
// States: handshake (TLS/WebSocket) -> routing (reading until the CONNECT names the client
// id, then hand the bytes to the owner shard's broker, moving a TCP socket there; or, in a
// cell, to the server that owns the user: relaying) -> open
// (reads go to the broker, its sends are queued and written) -> closing (the broker closed
// it: write what is queued) -> draining (FIN sent: read and discard until the peer closes,
// so our last packets are not lost to a reset) -> closed.
//
// Back-pressure: the write queue is bounded by NetOptions::max_write_queue_bytes; a client
// that lets it fill is closed as a slow consumer. All queued buffers go out in one gathered
// write. Idle connections hold no buffers (see TcpTransport).

#include <chrono>
#include <memory>
#include <span>

#include <boost/asio/ip/tcp.hpp>

#include "base/log.h"
#include "mqtt/encoder.h"
#include "mqtt/errc.h"
#include "net/connect_peek.h"
#include "net/detail/relay_upstream.h"
#include "net/detail/server_core.h"
#include "net/detail/transports.h"

namespace iris::net::detail {

// How long a closing connection may take to flush and see the peer's close.
constexpr std::chrono::seconds kDrainTimeout{2};

template <class Transport>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Transport>> {
 public:
  // shard must outlive the connection (shards are joined after every connection closed).
  // `preauth` is the socket's pre-auth slot, held until the broker accepts its CONNECT.
  Connection(Shard& shard, Transport transport, PreauthTicket preauth)
      : shard_(shard), transport_(std::move(transport)), preauth_(std::move(preauth)) {
    ++shard_.core().connections_open;
  }
  ~Connection() override { --shard_.core().connections_open; }

  // A freshly accepted socket: handshake, then read until the client id is known. The
  // connect deadline (mqtt.connect_timeout) runs from here, handshake included, until the
  // broker accepts the CONNECT.
  void start() {
    id_ = shard_.add(this->shared_from_this());
    state_ = State::handshake;
    connect_deadline_ = mqtt::Clock::now() + shard_.mqtt_options().connect_timeout;
    shard_.watch(id_, connect_deadline_);
    transport_.async_handshake(shard_.net_options(),
                               [self = this->shared_from_this()](ErrorCode ec) {
                                 self->on_handshake(ec);
                               });
  }

  // A TCP socket moved here from the shard that accepted it, with the bytes it had read and
  // the connect deadline it had there.
  void start_routed(mqtt::Bytes preread, mqtt::TimePoint connect_deadline) {
    id_ = shard_.add(this->shared_from_this());
    connect_deadline_ = connect_deadline;
    shard_.watch(id_, connect_deadline_);
    route_to(shard_.index(), std::move(preread));
    if (state_ != State::closed) do_read();
  }

  void send(mqtt::Bytes bytes) override {
    if (state_ != State::open && state_ != State::relaying) return;
    if (queued_bytes_ + bytes.size() > shard_.net_options().max_write_queue_bytes) {
      ++shard_.slow_consumers;
      log_close("slow consumer: write queue full");
      if (state_ == State::open) shard_.to_broker(broker_, Envelope{Envelope::Kind::closed, id_, {}, {}, {}});
      return finish();
    }
    queued_bytes_ += bytes.size();
    queue_.push_back(std::move(bytes));
    if (writing_ || write_deferred_) return;
    if (!shard_.corked()) return do_write();
    write_deferred_ = true;
    shard_.defer_write(this->shared_from_this());
  }

  void write_deferred() override {
    write_deferred_ = false;
    if (state_ != State::open && state_ != State::closing && state_ != State::relaying) return;
    if (!writing_ && !queue_.empty()) do_write();
  }

  void close_after_flush(std::error_code reason) override {
    if (state_ != State::open) return;
    if (reason) log_close(reason.message());
    state_ = State::closing;
    shard_.watch(id_, mqtt::Clock::now() + kDrainTimeout);
    if (writing_) return;  // on_write drains once the queue is empty
    if (!queue_.empty()) return do_write();
    begin_drain();
  }

  void on_deadline() override {
    if (state_ == State::handshake || state_ == State::routing || state_ == State::open ||
        state_ == State::relaying) {
      log_close(fmt::format("not authenticated within mqtt.connect_timeout ({} s)",
                            shard_.mqtt_options().connect_timeout.count()));
    }
    if (state_ == State::open) {  // watched only until the broker accepts the CONNECT
      shard_.to_broker(broker_, Envelope{Envelope::Kind::closed, id_, {}, {}, {}});
    }
    finish();
  }

  void abort() override { finish(); }

  void on_authenticated() override {
    preauth_.release();
    if (state_ == State::open) shard_.unwatch(id_);
  }

 private:
  enum class State : std::uint8_t { handshake, routing, open, relaying, closing, draining, closed };
  static constexpr std::size_t kUnrouted = Shard::kMaxShards;

  void on_handshake(ErrorCode ec) {
    if (state_ != State::handshake) return;
    if (ec) {
      log_close("handshake failed: " + ec.message());
      return finish();
    }
    state_ = State::routing;
    do_read();
  }

  void do_read() {
    transport_.async_read(shard_, [self = this->shared_from_this()](
                                      ErrorCode ec, std::span<const std::uint8_t> data) {
      self->on_read(ec, data);
    });
  }

  void on_read(ErrorCode ec, std::span<const std::uint8_t> data) {
    if (state_ == State::closed) return;
    if (ec) {
      if (state_ == State::open) {
        shard_.to_broker(broker_, Envelope{Envelope::Kind::closed, id_, {}, {}, {}});
      }
      return finish();
    }
    switch (state_) {
      case State::routing:
        if (!route(data)) return;  // moved to another shard
        break;
      case State::open:
        shard_.bytes_to_broker(broker_, id_, data);
        break;
      case State::relaying:
        if (!upstream_->send(data)) {
          log_close("relay: the owner does not keep up");
          return finish();
        }
        break;
      default:
        break;  // closing or draining: the broker is done with this connection
    }
    if (state_ != State::closed) do_read();
  }

  // Returns false when the connection has left this shard.
  bool route(std::span<const std::uint8_t> data) {
    preread_.insert(preread_.end(), data.begin(), data.end());
    const ConnectPeek peek = peek_client_id(preread_);
    std::size_t owner = shard_.index();
    if (peek.status == ConnectPeek::Status::need_more) {
      // A CONNECT that never completes within the limit before CONNACK is the broker's to
      // refuse (as too large or malformed), here. So at most that much (plus one read) is
      // held per socket.
      const auto& mqtt = shard_.mqtt_options();
      if (preread_.size() <= std::min(mqtt.max_connect_packet_size, mqtt.max_packet_size)) return true;
    } else if (peek.status == ConnectPeek::Status::found) {
      if (const auto* cell = shard_.core().cell_routing(); cell != nullptr && peek.username) {
        const Placement where = cell->routing(*peek.username);
        if (where.kind != Placement::Kind::local) {
          leave_for(where, peek.level, cell->redirect_mqtt5);
          return true;
        }
      }
      owner = shard_.owner_of(peek.owner_key());
    }
    if constexpr (Transport::kCanMigrate) {
      if (owner != shard_.index()) {
        shard_.unwatch(id_);
        shard_.remove(id_);
        state_ = State::closed;
        const auto protocol = transport_.protocol();
        const int fd = transport_.release();
        if (fd >= 0) {
          shard_.core().adopt_tcp(owner, protocol, fd, std::move(preread_), std::move(preauth_),
                                  connect_deadline_);
        }
        return false;
      }
    }
    route_to(owner, std::move(preread_));
    return true;
  }

  // The CONNECT's user lives on another server of the cell, or on none right now.
  void leave_for(const Placement& where, std::uint8_t level, bool redirect_mqtt5) {
    const auto version = level == 5 ? mqtt::Version::v5 : mqtt::Version::v3_1_1;
    mqtt::Connack refusal;
    if (where.kind == Placement::Kind::unavailable || where.mqtt.empty()) {
      refusal.reason = mqtt::ReasonCode::server_unavailable;  // 3.1.1: return code 3
      log_close("no server of the cell serves this user now");
      return answer_and_close(mqtt::encode(refusal, version));
    }
    if (level == 5 && redirect_mqtt5) {
      ++shard_.core().redirected;
      refusal.reason = mqtt::ReasonCode::use_another_server;
      refusal.props.server_reference = where.mqtt;
      return answer_and_close(mqtt::encode(refusal, version));
    }
    // Relay: the owner authenticates and serves; this server only carries bytes (and keeps
    // the pre-auth slot and connect deadline until the owner's CONNACK passes through).
    ++shard_.core().relayed;
    state_ = State::relaying;
    upstream_ = std::make_shared<RelayUpstream>(shard_.io(), shard_.net_options().max_write_queue_bytes);
    std::weak_ptr<Connection> weak = this->shared_from_this();
    upstream_->start(where.mqtt, std::move(preread_),
                     RelayUpstream::Handlers{
                         [weak](mqtt::Bytes bytes, bool first) {
                           if (auto self = weak.lock()) self->from_owner(std::move(bytes), first);
                         },
                         [weak, server = where.server](const std::string& why) {
                           if (auto self = weak.lock()) self->owner_gone(server, why);
                         },
                         [cell = shard_.core().cell_routing(), where] {
                           if (cell != nullptr && cell->owner_refused) cell->owner_refused(where.server, where.mqtt);
                         }});
    preread_ = {};
  }

  void from_owner(mqtt::Bytes bytes, bool first) {
    if (state_ != State::relaying) return;
    // A successful CONNACK (type 0x20, reason/return code 0 in its 4th byte) is where the
    // owner took over authentication.
    if (first && bytes.size() >= 4 && bytes[0] == 0x20 && bytes[3] == 0) on_authenticated_relay();
    send(std::move(bytes));
  }

  void owner_gone(const std::string& server, const std::string& why) {
    if (state_ != State::relaying) return;
    log_close(fmt::format("relay to {}: {}", server, why));
    state_ = State::closing;
    shard_.watch(id_, mqtt::Clock::now() + kDrainTimeout);
    if (!writing_ && queue_.empty()) begin_drain();
    else if (!writing_) do_write();
  }

  void on_authenticated_relay() {
    preauth_.release();
    shard_.unwatch(id_);
  }

  // Sends one packet that this server built (a refusal) and closes.
  void answer_and_close(mqtt::Bytes packet) {
    preread_ = {};
    state_ = State::closing;
    queue_.push_back(std::move(packet));
    queued_bytes_ += queue_.back().size();
    shard_.watch(id_, mqtt::Clock::now() + kDrainTimeout);
    if (!writing_) do_write();
  }

  void route_to(std::size_t broker, mqtt::Bytes preread) {
    broker_ = broker;
    state_ = State::open;
    preread_ = {};
    shard_.to_broker(broker_, Envelope{Envelope::Kind::open, id_, {}, {}, {}});
    shard_.to_broker(broker_, Envelope{Envelope::Kind::bytes, id_, std::move(preread), {}, {}});
  }

  void do_write() {
    writing_ = true;
    std::swap(queue_, in_flight_);
    gather_.clear();
    for (const auto& b : in_flight_) gather_.push_back(asio::buffer(b));
    transport_.async_write(gather_, [self = this->shared_from_this()](ErrorCode ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(ErrorCode ec) {
    writing_ = false;
    for (const auto& b : in_flight_) queued_bytes_ -= b.size();
    in_flight_.clear();
    if (state_ == State::closed) return;
    if (ec) {
      if (state_ == State::open) {
        shard_.to_broker(broker_, Envelope{Envelope::Kind::closed, id_, {}, {}, {}});
      }
      return finish();
    }
    if (!queue_.empty()) return do_write();
    // Idle again: give back the buffers' capacity.
    if (queue_.capacity() > 4) queue_ = {};
    if (in_flight_.capacity() > 4) in_flight_ = {};
    if (gather_.capacity() > 4) gather_ = {};
    if (state_ == State::closing) begin_drain();
  }

  void begin_drain() {
    state_ = State::draining;
    transport_.shutdown_send();
  }

  void finish() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    if (upstream_) upstream_->close();
    transport_.close();
    shard_.unwatch(id_);
    shard_.remove(id_);  // may drop the registry's reference; handlers hold their own
  }

  void log_close(const std::string& why) {
    if (shard_.may_log()) {
      IRIS_LOG(info, "net", "{} connection {} from {} closed: {}", Transport::log_name(),
               id_.value(), transport_.peer(), why);
    }
  }

  Shard& shard_;
  Transport transport_;
  mqtt::ConnId id_{};
  std::size_t broker_ = kUnrouted;
  State state_ = State::handshake;
  PreauthTicket preauth_;
  mqtt::TimePoint connect_deadline_{};
  bool writing_ = false;
  bool write_deferred_ = false;  // queued on the shard's corked list
  std::size_t queued_bytes_ = 0;
  mqtt::Bytes preread_;
  std::vector<mqtt::Bytes> queue_;
  std::vector<mqtt::Bytes> in_flight_;
  Buffers gather_;
  std::shared_ptr<RelayUpstream> upstream_;  // relaying only
};

}  // namespace iris::net::detail
