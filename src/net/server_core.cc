#include "net/detail/server_core.h"

#include <boost/asio/post.hpp>
#include <unistd.h>

#include <algorithm>
#include <future>

#include "base/log.h"
#include "net/detail/connection.h"
#include "net/detail/server_core.h"
#include "net/detail/tls_session.h"
#include "net/errc.h"
#include "net/detail/listener.h"

namespace iris::net::detail {

namespace {

std::size_t shards_for(const NetOptions& net) {
  std::size_t n = net.threads != 0 ? net.threads : std::thread::hardware_concurrency();
  return std::clamp<std::size_t>(n, 1, Shard::kMaxShards);
}

}  // namespace

ServerCore::ServerCore(const NetOptions& net, const mqtt::MqttOptions& mqtt,
                       mqtt::Authenticator& authenticator, mqtt::Authorizer& authorizer,
                       std::optional<SyncBinding> sync, std::optional<HttpBinding> http)
    : net_(net), mqtt_(mqtt), owners_(shards_for(net)), retained_quota_(mqtt),
      preauth_(net.max_preauth_connections, net.max_preauth_per_source) {
  if (sync) {
    store_ = &sync->store;
    sync_options_ = &sync->options;
    history_writer_ = sync->history_writer;
    trimmer_ = sync->trimmer;
    if (http) signer_ = &http->signer;
    if (http) blobs_ = http->blobs;
    if (http) sms_verifier_ = http->sms_verifier;
  }
  const std::size_t n = shards_for(net);
  shards_.reserve(n);
  // Shards read shard_count() while being built, so the vector is sized first.
  shards_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    shards_[i] = std::make_unique<Shard>(*this, i, net, mqtt, authenticator, authorizer,
                                         sync ? &*sync : nullptr);
  }
  if (sync) {
    for (std::size_t i = 0; i < n; ++i) {
      Shard& s = *shards_[i];
      // The long-poll hub stands between the sync service and the gateway: it keeps its poll
      // devices' pushes and passes the rest on.
      auto& hub = *poll_hubs_.emplace_back(std::make_unique<PollHub>(*s.gateway(), net.http.poll, poll_devices));
      auto shard = std::make_unique<sync::SyncShard>(
          static_cast<std::uint32_t>(i), sync->options, sync->store, *this, hub, [] {
            return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
          });
      if (sync->history) shard->attach_history(*sync->history, sync->appended);
      if (sync->options.legacy_baseline) shard->attach_baseline(*s.gateway());
      hub.attach(*poll_targets_.emplace_back(std::make_unique<SyncPollTarget>(*shard)));
      if (blobs_ != nullptr) shard->attach_blobs(*blobs_);
      if (sync->cell != nullptr) {
        shard->attach_cell(*sync->cell);
        // Typing reaches the devices of participants other servers of the cell own.
        s.gateway()->set_cell_typing([cell = sync->cell](const wire::Typing& signal) { cell->typing(signal); });
      }
      // A typing signal (over MQTT or HTTP) reaches the poll devices of every shard, each of
      // which knows which of its users are in the thread.
      s.gateway()->set_poll_typing([this](const wire::Typing& signal) {
        for (std::size_t j = 0; j < shards_.size(); ++j) {
          shards_[j]->post_sync([hub = poll_hubs_[j].get(), signal](sync::SyncShard& owner) {
            hub->deliver_typing(
                signal, [&](core::UserId user) { return owner.resident_participant(user, signal.thread) == true; },
                PollHub::Clock::now());
          });
        }
      });
      if (sync->social != nullptr) shard->attach_social(*sync->social);
      s.attach_sync(std::move(shard));
    }
  }
}

void ServerCore::to_owner(core::UserId user, std::function<void(sync::SyncShard&)> fn) {
  Shard& target = *shards_[owners_.owner_of(user).shard];
  target.post_sync(std::move(fn));
}

void ServerCore::to_shard(std::uint32_t shard, std::function<void(sync::SyncShard&)> fn) {
  shards_.at(shard)->post_sync(std::move(fn));
}

PollHub& ServerCore::poll_hub_of(core::UserId user) {
  return *poll_hubs_[owners_.owner_of(user).shard];
}

ServerCore::~ServerCore() { stop(); }

void ServerCore::disconnect_moved(const std::function<bool(std::string_view user)>& moved,
                                  const mqtt::Broker::MovedReference& reference) {
  // Each shard closes its share every Shard::kMovePass.
  if (shards_.empty()) return;
  const std::size_t passes_per_second = std::chrono::milliseconds(1000) / Shard::kMovePass;
  const std::size_t per_pass = cell_.disconnect_rate == 0
                                   ? SIZE_MAX  // all at once
                                   : std::max<std::size_t>(1, cell_.disconnect_rate / passes_per_second / shards_.size());
  moving.fetch_add(shards_.size());
  for (auto& shard : shards_) shard->disconnect_moved(moved, per_pass, reference);
}

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
  ws_port = ports.ws.value_or(0);
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
  for (auto& s : shards_) threads_.emplace_back([shard = s.get()] { shard->run(); });
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

}  // namespace iris::net::detail
