// MqttServer: the public front of the network layer; ServerCore (detail/server_core.h) does
// the work.
#include "net/mqtt_server.h"

#include "net/detail/server_core.h"

namespace iris::net {

MqttServer::MqttServer(const NetOptions& net, const mqtt::MqttOptions& mqtt,
                       mqtt::Authenticator& authenticator, mqtt::Authorizer& authorizer,
                       std::optional<SyncBinding> sync, std::optional<HttpBinding> http)
    : core_(std::make_unique<detail::ServerCore>(net, mqtt, authenticator, authorizer, sync, http)) {}

MqttServer::~MqttServer() = default;

void MqttServer::set_cell_routing(CellRoutingOptions options) { core_->set_cell_routing(std::move(options)); }
void MqttServer::disconnect_moved(const std::function<bool(std::string_view user)>& moved,
                                  const std::function<std::string(std::string_view user)>& reference) {
  core_->disconnect_moved(moved, reference);
}
bool MqttServer::disconnecting_moved() const { return core_->moving.load() > 0; }
Result<BoundPorts> MqttServer::start() { return core_->start(); }
void MqttServer::stop() { core_->stop(); }
ServerMetrics MqttServer::metrics() { return core_->metrics(); }

sync::ShardRouter& MqttServer::owner_router() { return *core_; }

}  // namespace iris::net
