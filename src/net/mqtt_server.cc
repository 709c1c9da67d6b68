#include "net/mqtt_server.h"

#include <boost/asio/post.hpp>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <future>

#include "base/log.h"
#include "base/thread_name.h"
#include "net/detail/connection.h"
#include "net/detail/http_session.h"
#include "net/detail/server_core.h"
#include "net/detail/tls_session.h"
#include "net/errc.h"
#include "net/event_loop.h"
#include "sync/typing_signal.h"
#include "wire/codec.h"
#include "wire/json_codec.h"

namespace iris::net {
namespace detail {

// ---------------------------------------------------------------- Shard

Shard::Shard(ServerCore& core, std::size_t index, const NetOptions& net,
             const mqtt::MqttOptions& mqtt, mqtt::Authenticator& authenticator,
             mqtt::Authorizer& authorizer)
    : core_(core),
      index_(index),
      net_(net),
      mqtt_(mqtt),
      broker_(mqtt, authenticator, authorizer),
      tick_timer_(io_),
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

std::size_t owner_index(std::string_view key, std::size_t shards) {
  return std::hash<std::string_view>{}(key) % shards;
}

std::size_t Shard::owner_of(std::string_view client_id) const {
  if (client_id.empty()) return index_;
  return owner_index(client_id, core_.shard_count());
}

// ---------------------------------------------------------------- the sync service

namespace {

// The one mapping from the sync service's error codes to PUBACK reason codes (MQTT 5.0
// §3.4.2.1 allows only a few); the exact code travels in the Error on the response topic.
mqtt::ReasonCode to_reason(wire::ErrorCode e) {
  using wire::ErrorCode;
  using mqtt::ReasonCode;
  switch (e) {
    case ErrorCode::not_participant:
    case ErrorCode::forbidden:
    case ErrorCode::unknown_thread: return ReasonCode::not_authorized;
    case ErrorCode::too_large:
    case ErrorCode::queue_full:
    case ErrorCode::rate_limited: return ReasonCode::quota_exceeded;
    case ErrorCode::bad_encoding: return ReasonCode::payload_format_invalid;
    case ErrorCode::invalid_request: return ReasonCode::implementation_specific_error;
    case ErrorCode::unavailable:
    case ErrorCode::internal: return ReasonCode::unspecified_error;
  }
  return ReasonCode::unspecified_error;
}

// u/<user>/sync: the one topic a device sends its requests on.
bool is_sync_topic(std::string_view topic) {
  if (topic.size() <= 2 + 5 || !topic.starts_with("u/") || !topic.ends_with("/sync")) return false;
  const std::string_view user = topic.substr(2, topic.size() - 2 - 5);
  return !user.empty() && user.find('/') == std::string_view::npos;
}

// An Iris id as a topic level or user name: canonical, so that each id has exactly one
// spelling and hashes to one owner shard.
using core::parse_id;

// t/<thread>/typing: the ephemeral typing signal of a thread (docs/PROTOCOL.md). Its JSON
// twin t/<thread>/typing/json is only ever published by the server.
constexpr std::string_view kTypingSuffix = "/typing";
std::optional<std::string_view> typing_thread(std::string_view topic) {
  if (topic.size() <= 2 + kTypingSuffix.size() || !topic.starts_with("t/") ||
      !topic.ends_with(kTypingSuffix)) {
    return std::nullopt;
  }
  const std::string_view thread = topic.substr(2, topic.size() - 2 - kTypingSuffix.size());
  if (thread.empty() || thread.find('/') != std::string_view::npos) return std::nullopt;
  return thread;
}

bool is_service_topic(std::string_view topic) {
  return is_sync_topic(topic) || typing_thread(topic).has_value();
}

thread_local Shard* current_shard = nullptr;

}  // namespace

void Shard::attach_sync(std::unique_ptr<sync::SyncShard> sync) {
  sync_ = std::move(sync);
  broker_.set_intercept(is_service_topic);
}

Shard* Shard::current() { return current_shard; }

void Shard::run_as_current() {
  name_this_thread(("iris-net-" + std::to_string(index_)).c_str());
  current_shard = this;
  run_event_loop(io_, "shard " + std::to_string(index_));
  current_shard = nullptr;
}

// Why this needs no lock: the broker asks its authorizer on its own thread, about one of its
// own sessions, and a session lives on the broker that owns its user name (connect_peek
// routes every connection of a user there; the token binds the user name to the user). So
// the thread asking is the owner shard of `user`, the one whose SyncShard holds that user's
// inbox, and nothing else ever touches it. The owner check below only guards that argument.
bool Shard::is_participant(std::string_view user, std::string_view thread) {
  const auto u = parse_id(user);
  const auto t = parse_id(thread);
  if (!sync_ || !u || !t) return false;
  if (owner_index(user, core_.shard_count()) != index_) {
    if (may_log()) IRIS_LOG(warn, "net", "membership of user {} asked on shard {}, not its owner", user, index_);
    return false;
  }
  return sync_->is_participant(core::UserId{*u}, core::ThreadId{*t});
}

void Shard::run_sync(const std::function<void(sync::SyncShard&)>& fn) {
  if (!sync_ || stopping_) return;
  fn(*sync_);
  run_broker();
}

void Shard::post_sync(std::function<void(sync::SyncShard&)> fn) {
  bool first = false;
  {
    std::lock_guard lock(sync_inbox_mutex_);
    first = sync_inbox_.empty();
    sync_inbox_.push_back(std::move(fn));
  }
  if (first) asio::post(io_, [this] { drain_sync(); });
}

void Shard::drain_sync() {
  {
    std::lock_guard lock(sync_inbox_mutex_);
    sync_running_.swap(sync_inbox_);
  }
  for (auto& fn : sync_running_) {
    if (sync_ && !stopping_) fn(*sync_);
  }
  sync_running_.clear();
  run_broker();
}

void Shard::on_intercept(mqtt::InterceptAction& request) {
  if (typing_thread(request.topic)) return on_typing(request);
  const auto& text = request.user;
  const auto parsed = parse_id(text);
  const std::uint64_t user = parsed.value_or(0);
  if (!sync_ || !parsed) {
    // Only authenticated Iris users (numeric ids) have queues.
    if (request.packet_id != 0) broker_.complete(request.conn, request.packet_id, mqtt::ReasonCode::not_authorized);
    return;
  }
  if (sync_users_.emplace(request.conn, text).second) {
    sync_->on_connected(request.conn.value(), core::UserId{user}, core::DeviceId{request.client_id});
  }
  sync_->on_request(request.conn.value(), request.packet_id, request.payload.view());
}

// A typing signal: QoS 0 and never retained, whatever the publisher asked (docs/PROTOCOL.md
// "Ephemeral topics"). The authorizer has already checked membership for this PUBLISH.
//  - RETAIN set: refused (5.0 PUBACK 0x87 at QoS 1; at QoS 0 MQTT has no way to say no).
//    Keeping it would replay a stale "typing" to every later subscriber.
//  - QoS 1: accepted and passed on at QoS 0 (the subscribers' QoS is capped by the message's);
//    the PUBACK only says the server took it.
//  - payload not a Typing of this thread: refused, 5.0 PUBACK 0x99.
void Shard::on_typing(mqtt::InterceptAction& request) {
  const std::string_view thread_text = *typing_thread(request.topic);
  const auto user = parse_id(request.user);
  const auto thread = parse_id(thread_text);
  auto done = [&](mqtt::ReasonCode rc) {
    if (request.packet_id != 0) broker_.complete(request.conn, request.packet_id, rc);
  };
  if (!user || !thread || request.retain) return done(mqtt::ReasonCode::not_authorized);
  auto typing = sync::accept_typing(request.payload.view(), core::UserId{*user}, core::ThreadId{*thread});
  if (!typing) return done(mqtt::ReasonCode::payload_format_invalid);
  const wire::Message m{*typing};
  for (auto [topic, payload] : {std::pair{std::string(request.topic), wire::encode(m)},
                                std::pair{std::string(request.topic) + "/json", wire::encode_json(m)}}) {
    mqtt::Message message;
    message.topic = std::move(topic);
    message.payload = mqtt::Payload(std::move(payload));
    message.qos = mqtt::QoS::at_most_once;
    // Forwarded by run_broker like a client's message, carrying its shared group choice.
    broker_.publish(std::move(message), mqtt::Clock::now(), mqtt::Broker::Reach::every_broker);
  }
  done(mqtt::ReasonCode::success);
}

void Shard::signal(sync::ConnId conn, std::string payload) {
  const auto it = sync_users_.find(mqtt::ConnId{conn});
  if (it == sync_users_.end()) return;
  broker_.push(mqtt::ConnId{conn}, "u/" + it->second + "/deltas", mqtt::Payload(std::move(payload)),
               mqtt::QoS::at_most_once, 0, mqtt::Clock::now());
}

bool Shard::tracing(core::UserId user) {
  return broker_.has_subscribers(fmt::format("u/{}/trace", user.value()));
}

// Every follower of a user's trace is that user (the authorizer allows u/<user>/... to that
// user only), so its sessions are on this broker: no forwarding.
void Shard::trace(core::UserId user, std::string json) {
  mqtt::Message m;
  m.topic = fmt::format("u/{}/trace", user.value());
  m.payload = mqtt::Payload(std::move(json));
  m.qos = mqtt::QoS::at_most_once;
  broker_.publish(std::move(m), mqtt::Clock::now());
}

bool Shard::baseline_listening(core::UserId user) {
  return broker_.has_subscribers(fmt::format("u/{}/notify", user.value()));
}

// The legacy pull baseline's "something changed" (sync/baseline_view.h). Like the trace,
// only the user subscribes there, so its sessions are on this broker.
void Shard::baseline_notify(core::UserId user, std::string payload) {
  mqtt::Message m;
  m.topic = fmt::format("u/{}/notify", user.value());
  m.payload = mqtt::Payload(std::move(payload));
  m.qos = mqtt::QoS::at_least_once;
  broker_.publish(std::move(m), mqtt::Clock::now());
}

void Shard::revoke_thread(core::UserId user, core::ThreadId thread) {
  const auto n = broker_.drop_subscriptions(std::to_string(user.value()), fmt::format("t/{}", thread.value()));
  if (n > 0) IRIS_LOG(debug, "net", "user {} left thread {}: {} subscriptions dropped", user.value(), thread.value(), n);
}

void Shard::push(sync::ConnId conn, std::string payload, std::uint64_t token) {
  const auto it = sync_users_.find(mqtt::ConnId{conn});
  if (it == sync_users_.end()) return;
  broker_.push(mqtt::ConnId{conn}, "u/" + it->second + "/deltas", mqtt::Payload(std::move(payload)),
               mqtt::QoS::at_least_once, token, mqtt::Clock::now());
}

void Shard::reply(sync::ConnId conn, std::uint16_t packet_id, std::optional<wire::ErrorCode> error,
                  std::string payload) {
  const mqtt::ConnId id{conn};
  const auto it = sync_users_.find(id);
  if (it == sync_users_.end()) return;
  // The result first, so a client that waits for the PUBACK finds it already there. QoS 0:
  // a result lost with its connection is lost with the PUBACK behind it, so the device sends
  // the request again and gets the same result (requests are idempotent by client id); an
  // acknowledgement would only cost the device a packet and a TLS record per request, and
  // at QoS 1 a full in-flight window could hold the result back behind the PUBACK.
  if (!payload.empty()) {
    broker_.push(id, "u/" + it->second + "/responses", mqtt::Payload(std::move(payload)),
                 mqtt::QoS::at_most_once, 0, mqtt::Clock::now());
  }
  if (packet_id != 0) {
    broker_.complete(id, packet_id, error ? to_reason(*error) : mqtt::ReasonCode::success);
  }
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
        to_io(ok->conn, Envelope{Envelope::Kind::accepted, ok->conn, {}, {}, {}});
      } else if (auto* i = std::get_if<mqtt::InterceptAction>(&a)) {
        on_intercept(*i);
      } else if (auto* d = std::get_if<mqtt::DeliveredAction>(&a)) {
        if (sync_) sync_->on_delivered(d->conn.value(), d->token);
      } else if (auto* k = std::get_if<mqtt::KeepAliveAction>(&a)) {
        if (sync_) sync_->on_keep_alive(k->conn.value());
      } else if (auto* g = std::get_if<mqtt::GoneAction>(&a)) {
        if (sync_) sync_->on_disconnected(g->conn.value());
        sync_users_.erase(g->conn);
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

// ---------------------------------------------------------------- Listener

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

// ---------------------------------------------------------------- ServerCore

namespace {

std::size_t shards_for(const NetOptions& net) {
  std::size_t n = net.threads != 0 ? net.threads : std::thread::hardware_concurrency();
  return std::clamp<std::size_t>(n, 1, Shard::kMaxShards);
}

}  // namespace

ServerCore::ServerCore(const NetOptions& net, const mqtt::MqttOptions& mqtt,
                       mqtt::Authenticator& authenticator, mqtt::Authorizer& authorizer,
                       std::optional<SyncBinding> sync, std::optional<HttpBinding> http)
    : net_(net), mqtt_(mqtt), retained_quota_(mqtt),
      preauth_(net.max_preauth_connections, net.max_preauth_per_source) {
  if (sync) {
    store_ = &sync->store;
    sync_options_ = &sync->options;
    history_writer_ = sync->history_writer;
    trimmer_ = sync->trimmer;
    if (http) signer_ = &http->signer;
  }
  const std::size_t n = shards_for(net);
  shards_.reserve(n);
  // Shards read shard_count() while being built, so the vector is sized first.
  shards_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    shards_[i] = std::make_unique<Shard>(*this, i, net, mqtt, authenticator, authorizer);
  }
  if (sync) {
    for (std::size_t i = 0; i < n; ++i) {
      auto shard = std::make_unique<sync::SyncShard>(
          static_cast<std::uint32_t>(i), sync->options, sync->store, *this, *shards_[i], [] {
            return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
          });
      if (sync->history) shard->attach_history(*sync->history, sync->appended);
      shards_[i]->attach_sync(std::move(shard));
    }
  }
}

void ServerCore::to_owner(core::UserId user, std::function<void(sync::SyncShard&)> fn) {
  Shard& target = *shards_[owner_index(std::to_string(user.value()), shards_.size())];
  target.post_sync(std::move(fn));
}

ServerCore::~ServerCore() { stop(); }

void PreauthTicket::release() {
  if (core_ != nullptr) std::exchange(core_, nullptr)->release_preauth(source_);
}

std::pair<PreauthBudget::Verdict, PreauthTicket> ServerCore::admit_preauth(const asio::ip::address& peer) {
  const auto source = PreauthBudget::source_of(peer);
  std::lock_guard lock(preauth_mutex_);
  const auto verdict = preauth_.admit(source);
  if (verdict != PreauthBudget::Verdict::admitted) return {verdict, PreauthTicket()};
  return {verdict, PreauthTicket(*this, source)};
}

void ServerCore::release_preauth(const PreauthBudget::Source& source) {
  std::lock_guard lock(preauth_mutex_);
  preauth_.release(source);
}

std::size_t ServerCore::preauth_held() {
  std::lock_guard lock(preauth_mutex_);
  return preauth_.total();
}

Shard& ServerCore::next_accept_shard() {
  return *shards_[next_accept_.fetch_add(1, std::memory_order_relaxed) % shards_.size()];
}

void ServerCore::adopt_tcp(std::size_t owner, asio::ip::tcp protocol, int fd,
                           mqtt::Bytes preread, PreauthTicket preauth,
                           mqtt::TimePoint connect_deadline) {
  Shard& target = *shards_[owner];
  asio::post(target.io(), [&target, protocol, fd, preread = std::move(preread),
                           preauth = std::move(preauth), connect_deadline]() mutable {
    ErrorCode ec;
    tcp::socket socket(target.io());
    socket.assign(protocol, fd, ec);
    if (ec) {
      ::close(fd);
      return;
    }
    std::make_shared<Connection<TcpTransport>>(target, TcpTransport(std::move(socket)),
                                               std::move(preauth))
        ->start_routed(std::move(preread), connect_deadline);
  });
}

Result<BoundPorts> ServerCore::start() {
  BoundPorts ports;
  ports.address = net_.bind;
  auto add = [&](ListenerKind kind, std::optional<std::uint16_t> port,
                 std::optional<std::uint16_t>& out) -> Result<void> {
    if (!port) return {};
    auto l = std::make_unique<Listener>(*this, kind, tls_.get());
    auto bound = l->open(net_.bind, *port);
    if (!bound) return tl::unexpected(bound.error());
    out = *bound;
    listeners_.push_back(std::move(l));
    return {};
  };
  if (auto r = add(ListenerKind::plain, net_.mqtt_port, ports.mqtt); !r) return fail(r.error());
  const bool https = signer_ != nullptr && net_.http.tls_port.has_value();
  const bool have_files = !net_.tls_cert_file.empty() && !net_.tls_key_file.empty();
  if ((net_.tls_port || https) && have_files) {
    try {
      tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
      tls_->use_certificate_chain_file(net_.tls_cert_file);
      tls_->use_private_key_file(net_.tls_key_file, asio::ssl::context::pem);
      enable_session_resumption(*tls_, net_.tls_session_lifetime, net_.tls_session_cache);
    } catch (const boost::system::system_error& e) {
      IRIS_LOG(error, "net", "TLS: cannot load tls.cert_file '{}' / tls.key_file '{}': {}",
               net_.tls_cert_file, net_.tls_key_file, e.what());
      return fail(errc::tls_setup_failed);
    }
    if (auto r = add(ListenerKind::tls, net_.tls_port, ports.mqtts); !r) return fail(r.error());
  } else if (net_.tls_port || https) {
    IRIS_LOG(info, "net", "TLS listener disabled: set both tls.cert_file and tls.key_file");
  }
  if (auto r = add(ListenerKind::ws, net_.ws_port, ports.ws); !r) return fail(r.error());
  if (signer_ != nullptr) {
    if (auto r = add(ListenerKind::http, net_.http.port, ports.http); !r) return fail(r.error());
    if (tls_) {
      if (auto r = add(ListenerKind::https, net_.http.tls_port, ports.https); !r) return fail(r.error());
    }
  }

  for (auto& s : shards_) {
    guards_.push_back(asio::make_work_guard(s->io()));
    asio::post(s->io(), [shard = s.get()] { shard->start(); });
  }
  for (auto& l : listeners_) asio::post(shards_[0]->io(), [l = l.get()] { l->start(); });
  for (auto& s : shards_) threads_.emplace_back([shard = s.get()] { shard->run_as_current(); });
  started_ = true;
  return ports;
}

void ServerCore::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  // Reverse order of start: listeners, then brokers (clients told), then threads.
  std::promise<void> closed;
  asio::post(shards_[0]->io(), [&] {
    for (auto& l : listeners_) l->close();
    closed.set_value();
  });
  closed.get_future().wait();
  for (auto& s : shards_) {
    asio::post(s->io(), [shard = s.get()] { shard->begin_shutdown(std::chrono::seconds(1)); });
  }
  guards_.clear();
  // Each thread returns once its shard has no connection, timer or post left.
  for (auto& t : threads_) t.join();
  threads_.clear();
}

ServerMetrics ServerCore::metrics() {
  ServerMetrics out;
  for (auto& s : shards_) {
    std::promise<std::pair<mqtt::MqttMetrics, std::uint64_t>> p;
    auto read = [&p, shard = s.get()] {
      p.set_value({shard->broker_metrics(), shard->slow_consumers});
    };
    // Running: ask each shard on its thread. Stopped: the threads are joined, read directly.
    if (started_ && !stopped_) {
      asio::post(s->io(), read);
    } else {
      read();
    }
    const auto [m, slow] = p.get_future().get();
    out.mqtt.connections_open += m.connections_open;
    out.mqtt.connects_accepted += m.connects_accepted;
    out.mqtt.connects_rejected += m.connects_rejected;
    out.mqtt.malformed_packets += m.malformed_packets;
    out.mqtt.protocol_errors += m.protocol_errors;
    out.mqtt.packets_too_large += m.packets_too_large;
    out.mqtt.keep_alive_timeouts += m.keep_alive_timeouts;
    out.mqtt.session_takeovers += m.session_takeovers;
    out.mqtt.sessions_expired += m.sessions_expired;
    out.mqtt.publishes_received += m.publishes_received;
    out.mqtt.publishes_sent += m.publishes_sent;
    out.mqtt.messages_dropped += m.messages_dropped;
    out.mqtt.wills_published += m.wills_published;
    out.mqtt.retained_refused += m.retained_refused;
    out.slow_consumers += slow;
  }
  out.connections_refused = connections_refused.load();
  return out;
}

}  // namespace detail

// ---------------------------------------------------------------- MqttServer

MqttServer::MqttServer(const NetOptions& net, const mqtt::MqttOptions& mqtt,
                       mqtt::Authenticator& authenticator, mqtt::Authorizer& authorizer,
                       std::optional<SyncBinding> sync, std::optional<HttpBinding> http)
    : core_(std::make_unique<detail::ServerCore>(net, mqtt, authenticator, authorizer, sync, http)) {}

MqttServer::~MqttServer() = default;

Result<BoundPorts> MqttServer::start() { return core_->start(); }
void MqttServer::stop() { core_->stop(); }
ServerMetrics MqttServer::metrics() { return core_->metrics(); }

}  // namespace iris::net
