#include "apps/irisd/cell_member.h"

#include <signal.h>
#include <unistd.h>

#include "base/log.h"
#include "cluster/errc.h"

namespace iris::irisd {

CellMember::CellMember(const cluster::CellOptions& options) : options_(options) {}

CellMember::~CellMember() { leave(); }

bool CellMember::join(const net::BoundPorts& ports) {
  cluster::ServerInfo self;
  if (!ports.mqtt) {
    IRIS_LOG(error, "irisd", "cluster: a cell member needs its MQTT port (mqtt.port is off)");
    return false;
  }
  const std::string host = options_.advertise_host;
  self.mqtt = fmt::format("{}:{}", host, *ports.mqtt);
  if (ports.http) self.http = fmt::format("{}:{}", host, *ports.http);
  self.address = self.mqtt;  // the server-to-server link speaks MQTT (docs/CLUSTER.md)
  self.name = options_.name.empty() ? self.mqtt : options_.name;
  self.tokens = cluster::default_tokens(self.name, options_.tokens);

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
  view_ = std::make_unique<cluster::CellView>(self.name);
  auto listener = view_->listener([name = self.name](const cluster::CellSnapshot& s) {
    IRIS_LOG(info, "irisd", "cluster: membership version {}: {} servers, {} {}", s.version, s.ring.servers().size(),
             name, s.serving ? "serving" : "not serving");
  });
  auto on_session = listener.on_session;
  listener.on_session = [this, on_session](cluster::SessionState state) {
    on_session(state);
    if (state == cluster::SessionState::expired && !expired_.exchange(true)) {
      IRIS_LOG(error, "irisd", "cluster: zookeeper session expired; this server stops serving and exits");
      ::kill(::getpid(), SIGTERM);  // process-directed: main sigwaits for it
    }
  };
  if (auto joined = coordinator_->join(self, std::move(listener)); !joined) {
    IRIS_LOG(error, "irisd", "cluster: cannot join cell {} as {}: {}", options_.cell, self.name,
             joined.error().message());
    coordinator_.reset();
    return false;
  }
  IRIS_LOG(info, "irisd", "cluster: member {} of cell {} (zookeeper {}, {} tokens, session {} ms)", self.name,
           options_.cell, zk.hosts, options_.tokens, coordinator_->negotiated_timeout().count());
  return true;
}

void CellMember::leave() {
  if (coordinator_) {
    coordinator_->leave();
    coordinator_.reset();
  }
}

}  // namespace iris::irisd
