#include "apps/irisd/cell_member.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "base/log.h"
#include "cluster/errc.h"
#include "core/ids.h"
#include "sync/request_planner.h"

namespace iris::irisd {

CellMember::CellMember(const cluster::CellOptions& options, ops::Options report)
    : options_(options), report_(std::move(report)) {}

namespace {

// Whether a TCP connect to `address` ("ipv4:port") is refused now: the host answers and
// nobody listens. A timeout, success or any other error is not a refusal.
bool connection_refused(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(std::atoi(address.c_str() + colon + 1)));
  if (::inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr) != 1) return false;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int err = 0;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      err = ETIMEDOUT;
      if (::poll(&p, 1, 500) == 1) {
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
  }
  ::close(fd);
  return err == ECONNREFUSED;
}

}  // namespace

CellMember::~CellMember() {
  leave();
  // The directory's thread calls on_change, which uses members declared after directory_
  // (moved_mu_, overrides_seen_): it is joined here, before they are destroyed.
  directory_.reset();
}

net::CellRoutingOptions CellMember::routing() {
  net::CellRoutingOptions o;
  o.routing = [this](std::string_view user) { return place(user); };
  o.route_lookup = [this](core::UserId user) -> std::optional<net::UserRoute> {
    const auto* directory = directory_ptr_.load(std::memory_order_acquire);
    if (directory == nullptr) return std::nullopt;
    const auto route = directory->current()->route(user);
    if (!route) return std::nullopt;
    return net::UserRoute{route->cell, route->server.name, route->server.mqtt, route->server.http,
                          route->server.ws, route->overridden};
  };
  o.admin_report = [this]() -> std::optional<std::string> {
    auto* admin = admin_ptr_.load(std::memory_order_acquire);
    return admin != nullptr ? admin->report() : std::nullopt;
  };
  o.admin_users = options_.admin_users;
  o.redirect_mqtt5 = options_.redirect_mqtt5;
  o.disconnect_rate = options_.disconnect_rate;
  o.http.redirect = options_.redirect_http;
  o.http.timeout = options_.http_proxy_timeout;
  o.http.max_concurrent = options_.http_proxy_max_concurrent;
  o.http.max_answer_bytes = options_.http_proxy_max_answer_bytes;
  o.owner_refused = [this](const std::string& server, const std::string& mqtt) { owner_refused(server, mqtt); };
  return o;
}

void CellMember::owner_refused(const std::string& server, const std::string& mqtt) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(evict_mu_);
    if (evictor_stop_ || !evictor_.joinable()) return;
    auto& last = probed_[server];
    if (now - last < std::chrono::seconds(1)) return;
    last = now;
    to_probe_.emplace_back(server, mqtt);
  }
  evict_cv_.notify_one();
}

void CellMember::run_evictor() {
  std::unique_lock lock(evict_mu_);
  for (;;) {
    evict_cv_.wait(lock, [&] { return evictor_stop_ || !to_probe_.empty(); });
    if (evictor_stop_) return;
    auto [server, mqtt] = std::move(to_probe_.back());
    to_probe_.pop_back();
    lock.unlock();
    // The refusal may be old news (the peer already left or was evicted): only a member of
    // the current ring at that address, probed again, is evicted.
    const auto s = view_->snapshot();
    bool member = false;
    for (const auto& info : s->ring.servers()) member |= info.name == server && info.mqtt == mqtt;
    if (member && server != s->self) {
      if (connection_refused(mqtt)) {
        IRIS_LOG(warn, "irisd", "cluster: {} refuses connections at {} (its process is gone): evicting it now "
                 "instead of waiting out its session", server, mqtt);
        if (auto r = coordinator_->evict(server); !r) {
          IRIS_LOG(warn, "irisd", "cluster: cannot evict {}: {}", server, r.error().message());
        }
      } else {
        IRIS_LOG(info, "irisd", "cluster: a relay to {} was refused but {} answers now: not evicted", server, mqtt);
      }
    }
    lock.lock();
  }
}

void CellMember::stop_evictor() {
  {
    std::lock_guard lock(evict_mu_);
    evictor_stop_ = true;
  }
  evict_cv_.notify_one();
  if (evictor_.joinable()) evictor_.join();
}

std::function<bool(std::string_view)> CellMember::moved_away(std::shared_ptr<const cluster::CellSnapshot> s) {
  return [s = std::move(s)](std::string_view user) {
    const auto id = core::parse_id(user);
    if (!id || *id == 0) return false;
    return !s->owns(core::UserId{*id});
  };
}

std::function<std::string(std::string_view)> CellMember::new_owner(
    std::shared_ptr<const cluster::CellSnapshot> s) const {
  // A Server Reference names the owner's MQTT over TCP port: only when the cell redirects
  // MQTT 5 devices at all (devices on TLS or WebSocket are relayed, docs/CLUSTER.md).
  if (!options_.redirect_mqtt5) return {};
  return [s = std::move(s)](std::string_view user) -> std::string {
    const auto id = core::parse_id(user);
    if (!id || *id == 0) return {};
    if (!s->placed_here(core::UserId{*id})) {
      const auto route = s->elsewhere(core::UserId{*id});
      return route ? route->server.mqtt : std::string();
    }
    const auto* owner = s->owner(core::UserId{*id});
    return owner != nullptr ? owner->mqtt : std::string();
  };
}

net::Placement CellMember::place(std::string_view user) const {
  using Kind = net::Placement::Kind;
  const auto* view = this->view();
  if (view == nullptr) return {Kind::unavailable, {}, {}};
  const auto id = core::parse_id(user);
  if (!id || *id == 0) return {Kind::local, {}, {}};  // not a user id: the broker refuses it
  const auto snapshot = view->snapshot();
  if (!snapshot->serving) return {Kind::unavailable, {}, {}};
  if (!snapshot->placed_here(core::UserId{*id})) {
    // A user of another cell (by the hash, or moved there by irisctl user move) is served
    // there: its device is relayed to that cell's owner like to a peer of this cell.
    const auto route = snapshot->elsewhere(core::UserId{*id});
    if (!route) return {Kind::unavailable, {}, {}};
    return {Kind::remote, route->server.name, route->server.mqtt, route->server.http};
  }
  const auto* owner = snapshot->owner(core::UserId{*id});
  if (owner == nullptr) return {Kind::unavailable, {}, {}};
  if (owner->name == snapshot->self) {
    if (claims_ != nullptr) {
      if (claims_->refused(core::UserId{*id}, snapshot->version)) return {Kind::unavailable, {}, {}};
      claims_->claim_ahead(core::UserId{*id}, *snapshot);
    }
    return {Kind::local, {}, {}};
  }
  return {Kind::remote, owner->name, owner->mqtt, owner->http};
}

bool CellMember::join(const net::BoundPorts& ports, net::MqttServer& mqtt) {
  cluster::ServerInfo self;
  if (!ports.mqtt) {
    IRIS_LOG(error, "irisd", "cluster: a cell member needs its MQTT port (mqtt.port is off)");
    return false;
  }
  const std::string host = options_.advertise_host;
  self.mqtt = fmt::format("{}:{}", host, *ports.mqtt);
  if (ports.http) self.http = fmt::format("{}:{}", host, *ports.http);
  if (ports.ws) self.ws = fmt::format("{}:{}", host, *ports.ws);
  self.address = self.mqtt;  // the server-to-server link speaks MQTT (docs/CLUSTER.md)
  self.name = self_name(ports);
  self.tokens = cluster::default_tokens(self.name, options_.tokens);
  self_name_ = self.name;

  cluster::ZooKeeperOptions zk;
  zk.hosts = options_.zookeeper;
  zk.root = options_.root;
  zk.cell = options_.cell;
  zk.session_timeout = options_.session_timeout;
  auto coordinator = cluster::ZooKeeperCoordinator::connect(zk);
  if (!coordinator) {
    IRIS_LOG(error, "irisd", "cluster: cannot reach zookeeper {}: {}", zk.hosts, coordinator.error().message());
    return false;
  }
  coordinator_ = std::move(*coordinator);
  view_ = std::make_unique<cluster::CellView>(self.name, options_.cell);
  // Nobody is placed here until the directory's first copy says who is (docs/CLUSTER.md
  // "Several cells"): a send before it must not append a user of another cell here.
  view_->set_directory(std::make_shared<const cluster::Directory>());
  mqtt_ = &mqtt;
  auto listener = view_->listener([this, name = self.name, &mqtt](const std::shared_ptr<const cluster::CellSnapshot>& s) {
    IRIS_LOG(info, "irisd", "cluster: membership version {}: {} servers, {} {}", s->version,
             s->ring.servers().size(), name, s->serving ? "serving" : "not serving");
    // Devices of users that now belong to another server (or cell) reconnect there.
    mqtt.disconnect_moved(moved_away(s), new_owner(s));
    told_version_.store(s->version, std::memory_order_release);
  });
  auto on_session = listener.on_session;
  listener.on_session = [this, on_session](cluster::SessionState state) {
    on_session(state);
    if (state == cluster::SessionState::expired && !expired_.exchange(true)) {
      IRIS_LOG(error, "irisd", "cluster: zookeeper session expired; this server stops serving and exits");
      ::kill(::getpid(), SIGTERM);  // process-directed: main sigwaits for it
    }
  };
  // irisctl server drain: the drain runs on its own thread (it waits up to drain_timeout),
  // never on the coordinator's, which must go on delivering the ring it waits for.
  listener.on_drain = [this] {
    std::lock_guard lock(drain_mu_);
    if (drained_ || drain_thread_.joinable()) return;
    drain_thread_ = std::thread([this] { drain(); });
  };
  // The id slot first, so that no snapshot lets this server own a user before it can make
  // ids no other server makes (sync::CellIdGenerator).
  auto slot = coordinator_->claim_id_slot(options_.cell + "/" + self.name, sync::CellIdGenerator::kSlots);
  if (!slot) {
    IRIS_LOG(error, "irisd", "cluster: cannot claim an id slot in zookeeper {}: {}", zk.hosts,
             slot.error().message());
    coordinator_.reset();
    return false;
  }
  view_->set_id_slot(*slot);
  view_ptr_.store(view_.get(), std::memory_order_release);
  if (auto joined = coordinator_->join(self, std::move(listener)); !joined) {
    IRIS_LOG(error, "irisd", "cluster: cannot join cell {} as {}: {}", options_.cell, self.name,
             joined.error().message());
    coordinator_.reset();
    return false;
  }
  {
    std::lock_guard lock(evict_mu_);
    evictor_ = std::thread([this] { run_evictor(); });
  }
  IRIS_LOG(info, "irisd", "cluster: member {} of cell {} (zookeeper {}, {} tokens, session {} ms, id slot {})",
           self.name, options_.cell, zk.hosts, options_.tokens, coordinator_->negotiated_timeout().count(), *slot);
  // Discovery: every cell, its state and servers, and the placement overrides, kept current
  // by watches; its first copy is usually read before the listeners answer anyone.
  // A user moved to another cell (irisctl user move) is told to go as soon as this server's
  // copy names the new cell; its devices reconnect and are sent there (place).
  cluster::DirectoryOptions discovery{options_.zookeeper, options_.root, options_.session_timeout};
  discovery.on_change = [this](const std::shared_ptr<const cluster::Directory>& d) {
    std::lock_guard lock(moved_mu_);
    view_->set_directory(d);  // who is placed in this cell, before the claims and clients below
    // A user whose override changed had its rows replaced in some store (moved away, or back
    // here): what this server knows of its claim is stale, its next append claims again.
    const auto& now = d->placement().overrides();
    if (claims_ != nullptr) {
      for (const auto& [user, cell] : now) {
        const auto it = overrides_seen_.find(user);
        if (it == overrides_seen_.end() || it->second != cell) claims_->forget(user);
      }
      for (const auto& [user, cell] : overrides_seen_) {
        if (!now.count(user)) claims_->forget(user);
      }
    }
    overrides_seen_ = now;
    if (left_ || mqtt_ == nullptr || view_ptr_.load(std::memory_order_acquire) == nullptr) return;
    const auto s = view_->snapshot();
    mqtt_->disconnect_moved(moved_away(s), new_owner(s));
  };
  directory_ = cluster::ZooKeeperDirectory::start(std::move(discovery), std::chrono::milliseconds(2000));
  view_->set_directory(directory_->current());  // the first copy, if on_change has not run yet
  directory_ptr_.store(directory_.get(), std::memory_order_release);
  if (!options_.admin_users.empty()) {
    admin_ = std::make_unique<AdminView>(report_);
    admin_ptr_.store(admin_.get(), std::memory_order_release);
  }
  return true;
}

void CellMember::drain() {
  if (!coordinator_ || mqtt_ == nullptr || expired_ || drained_.exchange(true)) return;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + options_.drain_timeout;
  if (auto withdrawn = coordinator_->withdraw(); !withdrawn) {
    IRIS_LOG(warn, "irisd", "cluster: cannot withdraw from the ring ({}): stopping without a drain",
             withdrawn.error().message());
    return;
  }
  const auto in_ring = [](const cluster::CellSnapshot& s) {
    for (const auto& server : s.ring.servers()) {
      if (server.name == s.self) return true;
    }
    return false;
  };
  const auto wait = [&](const auto& done) {
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  };
  // The ring without this server reaches the view through the coordinator's thread, which
  // then starts the disconnect passes (the listener in join).
  const bool told = wait([&] {
    const auto s = view_->snapshot();
    return !in_ring(*s) && told_version_.load(std::memory_order_acquire) >= s->version;
  }) && wait([&] { return !mqtt_->disconnecting_moved(); });
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  if (told) {
    IRIS_LOG(info, "irisd", "cluster: drained in {} ms: the users are the peers', every client was told to move",
             ms.count());
  } else {
    IRIS_LOG(warn, "irisd", "cluster: drain not finished after {} ms (cluster.drain_timeout): closing the rest",
             ms.count());
  }
}

std::string CellMember::self_name(const net::BoundPorts& ports) const {
  if (!options_.name.empty()) return options_.name;
  return ports.mqtt ? fmt::format("{}:{}", options_.advertise_host, *ports.mqtt) : std::string();
}

void CellMember::leave() {
  stop_evictor();
  // New lookups find nothing from now on; the objects live until this member is destroyed,
  // after the listeners stopped (Server::stop), since an HTTP thread may hold a pointer.
  admin_ptr_.store(nullptr, std::memory_order_release);
  directory_ptr_.store(nullptr, std::memory_order_release);
  {
    std::lock_guard lock(moved_mu_);  // the directory's thread tells the server nothing more
    left_ = true;
  }
  std::thread drain;
  {
    std::lock_guard lock(drain_mu_);
    drain = std::move(drain_thread_);
  }
  if (drain.joinable()) drain.join();  // an operator's drain ends first (within drain_timeout)
  if (coordinator_) {
    coordinator_->leave();
    coordinator_.reset();
  }
}

}  // namespace iris::irisd
