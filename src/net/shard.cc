// Shard (detail/shard.h): its lifetime, its timer, its connection registry, and how envelopes
// move between the I/O and broker halves of connections and between shards. The sync
// service's side of a shard is in shard_sync.cc.
#include "net/detail/shard.h"

#include <boost/asio/post.hpp>
#include <unistd.h>

#include "base/log.h"
#include "net/detail/transports.h"
#include "net/detail/server_core.h"

namespace iris::net::detail {

namespace {

// The gateway of a shard that carries the sync service: it reads only the inboxes of the
// users the shard owns.
std::unique_ptr<SyncGateway> gateway_for(ServerCore& core, std::size_t index, mqtt::Broker& broker,
                                         const SyncBinding* sync) {
  if (sync == nullptr) return nullptr;
  return std::make_unique<SyncGateway>(broker, [&core, index](core::UserId user) {
    return core.owners().owner_of(user) == Owner{index};
  });
}

}  // namespace

Shard::Shard(ServerCore& core, std::size_t index, const NetOptions& net,
             const mqtt::MqttOptions& mqtt, mqtt::Authenticator& authenticator,
             mqtt::Authorizer& authorizer, const SyncBinding* sync)
    : core_(core),
      index_(index),
      net_(net),
      mqtt_(mqtt),
      gateway_(gateway_for(core, index, broker_, sync)),
      own_authorizer_(gateway_ && sync->authorizer ? sync->authorizer(*gateway_) : nullptr),
      broker_(mqtt, authenticator, own_authorizer_ ? *own_authorizer_ : authorizer),
      tick_timer_(io_),
      move_timer_(io_),
      outbox_(core.shard_count()) {
  broker_.set_forwarding(core.shard_count() > 1);
  broker_.set_retained_quota(core.retained_quota());
  if (core.shard_count() > 1) {
    broker_.set_shared_groups(core.shared_groups(), static_cast<std::uint32_t>(index));
  }
}

void Shard::start() {
  tick_timer_.expires_after(std::chrono::seconds(1));
  tick_timer_.async_wait([this](ErrorCode ec) {
    if (!ec) on_tick();
  });
}

void Shard::on_tick() {
  if (stopping_) return;
  const auto now = mqtt::Clock::now();
  broker_.tick(now);
  run_broker();
  std::vector<mqtt::ConnId> due;
  for (const auto& [id, deadline] : deadlines_) {
    if (deadline <= now) due.push_back(id);
  }
  for (const auto id : due) {
    deadlines_.erase(id);
    if (const auto it = connections_.find(id); it != connections_.end()) {
      const auto c = it->second;  // on_deadline may remove it from the registry
      c->on_deadline();
    }
  }
  if (log_suppressed_ > 0) {
    IRIS_LOG(info, "net", "shard {}: {} more connection log lines suppressed", index_,
             log_suppressed_);
    log_suppressed_ = 0;
  }
  log_budget_ = 0;
  start();
}

bool Shard::may_log() {
  constexpr std::uint32_t kLinesPerTick = 20;
  if (log_budget_ < kLinesPerTick) {
    ++log_budget_;
    return true;
  }
  ++log_suppressed_;
  return false;
}

void Shard::begin_shutdown(std::chrono::milliseconds grace) {
  stopping_ = true;
  tick_timer_.cancel();
  if (moved_) {
    move_timer_.cancel();
    moved_ = nullptr;
    core_.moving.fetch_sub(1);
  }
  broker_.shutdown(mqtt::Clock::now());
  run_broker();
  // Every connection gets `grace` to flush its DISCONNECT and see the peer close, then is
  // aborted; the wait ends early once the last one is gone (remove()).
  if (connections_.empty()) return;
  tick_timer_.expires_after(grace);
  tick_timer_.async_wait([this](ErrorCode) {
    auto all = connections_;
    for (auto& [id, c] : all) c->abort();
    deadlines_.clear();
  });
}

mqtt::ConnId Shard::add(std::shared_ptr<ConnectionBase> connection) {
  const mqtt::ConnId id{(next_serial_++ << 8) | index_};
  connections_.emplace(id, std::move(connection));
  return id;
}

void Shard::remove(mqtt::ConnId id) {
  connections_.erase(id);
  // The last connection gone during shutdown: no need to wait out the grace period.
  if (stopping_ && connections_.empty()) tick_timer_.cancel();
}

std::size_t Shard::owner_of(std::string_view client_id) const {
  if (client_id.empty()) return index_;
  return core_.owners().owner_of_key(client_id).shard;
}

void Shard::to_broker(std::size_t broker, Envelope e) {
  if (broker != index_) return post_to(broker, std::move(e));
  if (in_broker_) {
    local_pending_.push_back(std::move(e));
    return;
  }
  handle(e, mqtt::Clock::now());
  run_broker();
}

void Shard::bytes_to_broker(std::size_t broker, mqtt::ConnId conn,
                            std::span<const std::uint8_t> bytes) {
  if (broker != index_ || in_broker_) {
    return to_broker(broker, Envelope{Envelope::Kind::bytes, conn, {bytes.begin(), bytes.end()}, {}, {}});
  }
  broker_.on_bytes(conn, bytes, mqtt::Clock::now());
  run_broker();
}

class Shard::Cork {
 public:
  explicit Cork(Shard& s) : s_(s) { ++s_.cork_depth_; }
  Cork(const Cork&) = delete;
  Cork& operator=(const Cork&) = delete;
  ~Cork() {
    if (--s_.cork_depth_ != 0) return;
    // write_deferred() only starts asynchronous writes; the list is taken first anyway, so
    // nothing it does can touch the vector being walked.
    auto writes = std::move(s_.deferred_writes_);
    s_.deferred_writes_.clear();
    for (auto& c : writes) c->write_deferred();
    if (s_.deferred_writes_.empty() && writes.capacity() <= 64) {
      writes.clear();
      s_.deferred_writes_ = std::move(writes);  // keep the small vector's storage
    }
  }

 private:
  Shard& s_;
};

void Shard::receive(std::vector<Envelope>& batch) {
  const Cork cork(*this);
  const auto now = mqtt::Clock::now();
  for (auto& e : batch) handle(e, now);
  run_broker();
}

void Shard::handle(Envelope& e, mqtt::TimePoint now) {
  using Kind = Envelope::Kind;
  switch (e.kind) {
    case Kind::open: return broker_.on_open(e.conn, now);
    case Kind::bytes: return broker_.on_bytes(e.conn, e.bytes, now);
    case Kind::closed: return broker_.on_close(e.conn, now);
    case Kind::forward: return broker_.publish(std::move(e.message), now);
    case Kind::send:
    case Kind::close:
    case Kind::accepted: {
      const auto it = connections_.find(e.conn);
      if (it == connections_.end()) return;  // closed meanwhile: the broker will hear of it
      const auto c = it->second;
      if (e.kind == Kind::send) return c->send(std::move(e.bytes));
      if (e.kind == Kind::accepted) return c->on_authenticated();
      return c->close_after_flush(e.reason);
    }
  }
}

// Carries out the broker's actions, then forwards what it routed to the other brokers.
void Shard::run_broker() {
  if (in_broker_) return;
  const Cork cork(*this);
  in_broker_ = true;
  while (true) {
    auto actions = broker_.take_actions();
    auto forwarded = broker_.take_forwarded();
    if (actions.empty() && forwarded.empty() && local_pending_.empty()) break;
    for (auto& a : actions) {
      if (auto* s = std::get_if<mqtt::SendAction>(&a)) {
        to_io(s->conn, Envelope{Envelope::Kind::send, s->conn, std::move(s->bytes), {}, {}});
      } else if (auto* c = std::get_if<mqtt::CloseAction>(&a)) {
        to_io(c->conn, Envelope{Envelope::Kind::close, c->conn, {}, c->reason, {}});
      } else if (auto* ok = std::get_if<mqtt::AcceptedAction>(&a)) {
        // Before the CONNACK leaves (this batch is corked): see SyncGateway::on_accepted.
        if (gateway_) gateway_->on_accepted(ok->user);
        to_io(ok->conn, Envelope{Envelope::Kind::accepted, ok->conn, {}, {}, {}});
      } else if (!gateway_) {
        continue;  // only the sync service asks for the actions below
      } else if (auto* i = std::get_if<mqtt::InterceptAction>(&a)) {
        gateway_->on_intercept(*i);
      } else if (auto* d = std::get_if<mqtt::DeliveredAction>(&a)) {
        gateway_->on_delivered(d->conn, d->token);
      } else if (auto* k = std::get_if<mqtt::KeepAliveAction>(&a)) {
        gateway_->on_keep_alive(k->conn);
      } else if (auto* g = std::get_if<mqtt::GoneAction>(&a)) {
        gateway_->on_gone(g->conn);
      }
    }
    for (std::size_t peer = 0; peer < outbox_.size(); ++peer) {
      if (peer == index_) continue;
      for (const auto& m : forwarded) post_to(peer, Envelope{Envelope::Kind::forward, {}, {}, {}, m});
    }
    auto pending = std::move(local_pending_);
    local_pending_.clear();
    const auto now = mqtt::Clock::now();
    for (auto& e : pending) handle(e, now);
  }
  in_broker_ = false;
}

void Shard::to_io(mqtt::ConnId conn, Envelope e) {
  const std::size_t io = io_shard_of(conn);
  if (io != index_) return post_to(io, std::move(e));
  handle(e, mqtt::TimePoint{});
}

void Shard::post_to(std::size_t shard, Envelope e) {
  outbox_[shard].push_back(std::move(e));
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  // After the handlers already queued here, so one batch per peer gathers a whole round.
  asio::post(io_, [this] { flush(); });
}

void Shard::flush() {
  flush_scheduled_ = false;
  for (std::size_t peer = 0; peer < outbox_.size(); ++peer) {
    if (outbox_[peer].empty()) continue;
    Shard& target = core_.shard(peer);
    asio::post(target.io(), [&target, batch = std::move(outbox_[peer])]() mutable {
      target.receive(batch);
    });
    outbox_[peer] = {};
  }
}

void Shard::disconnect_moved(std::function<bool(std::string_view user)> moved, std::size_t per_pass,
                             mqtt::Broker::MovedReference reference) {
  asio::post(io_, [this, moved = std::move(moved), per_pass, reference = std::move(reference)]() mutable {
    if (stopping_) {
      core_.moving.fetch_sub(1);
      return;
    }
    const bool idle = !moved_;
    if (!idle) core_.moving.fetch_sub(1);  // the pass in progress ends here; this one goes on
    // Their new owner appends from now on: what this shard's sync service holds of them would
    // be stale if they came back (SyncShard::forget_users).
    if (auto* s = sync()) {
      const auto forgotten = s->forget_users([&moved](core::UserId u) { return moved(std::to_string(u.value())); });
      if (forgotten > 0) IRIS_LOG(debug, "net", "shard {}: forgot {} users that moved away", index_, forgotten);
    }
    moved_ = std::move(moved);
    moved_reference_ = std::move(reference);
    moved_per_pass_ = std::max<std::size_t>(per_pass, 1);
    if (idle) disconnect_moved_pass();
  });
}

void Shard::disconnect_moved_pass() {
  if (!moved_) return;
  const auto n = stopping_ ? 0 : broker_.disconnect_moved(moved_, mqtt::Clock::now(), moved_per_pass_, moved_reference_);
  run_broker();
  moved_closed_ += n;
  if (n == moved_per_pass_) {
    move_timer_.expires_after(kMovePass);
    move_timer_.async_wait([this](ErrorCode ec) {
      if (ec) return;  // the shard stops: begin_shutdown ends the pass
      disconnect_moved_pass();
    });
    return;
  }
  if (moved_closed_ > 0) {
    IRIS_LOG(info, "net", "shard {}: {} clients told their users live on another server now", index_, moved_closed_);
  }
  moved_ = nullptr;
  moved_closed_ = 0;
  core_.moving.fetch_sub(1);
}

}  // namespace iris::net::detail
