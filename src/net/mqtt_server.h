#pragma once
// MqttServer: binds the sans-I/O mqtt::Broker to sockets. MQTT over TCP, TLS and WebSocket
// (subprotocol "mqtt", binary frames), on Boost.Asio and Beast.
//
// Threads and ownership: `threads` shards, each one io_context run by one thread and owning
// one Broker. A client id belongs to shard hash(client id) % shards, so session takeover and
// persistent sessions stay inside one broker. Connections are accepted round-robin onto the
// shards; the first bytes are peeked for the client id (connect_peek.h) and a TCP connection
// is then moved to its owner shard (its file descriptor is re-registered there, with the
// bytes already read). TLS and WebSocket streams cannot change threads, so they stay where
// they were accepted and exchange bytes with their owner's broker by posted, batched
// messages. Messages published on one shard are forwarded, batched, to every other shard's
// broker (Broker::set_forwarding).
//
// The same shards serve the HTTP API (HttpBinding): a session stays on the shard that
// accepted it and asks the owner shard of the token's user for each answer.
//
// Lifecycle: start() binds and runs the threads; stop() (or the destructor) closes the
// listeners, tells every client the server is shutting down, and joins the threads.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "core/ids.h"
#include "mqtt/auth.h"
#include "mqtt/metrics.h"
#include "mqtt/options.h"
#include "net/cell_routing.h"
#include "net/net_options.h"

namespace iris::store {
class BlobService;
class SocialStore;
class HistoryStore;
class QueueStore;
}
namespace iris::sync {
class ShardRouter;
struct SyncOptions;
class CellFanout;
class HistoryWriter;
class RetentionTrimmer;
}

namespace iris::net {

namespace detail {
class ServerCore;
}

class ThreadMembership;

// What start() bound: the port of each enabled listener (the real one when 0 was asked).
struct BoundPorts {
  std::string address;
  std::optional<std::uint16_t> mqtt;
  std::optional<std::uint16_t> mqtts;
  std::optional<std::uint16_t> ws;
  std::optional<std::uint16_t> http;
  std::optional<std::uint16_t> https;
};

// Counters summed over every shard, plus the socket layer's own.
struct ServerMetrics {
  mqtt::MqttMetrics mqtt;
  std::uint64_t connections_refused = 0;  // over NetOptions::max_connections
  std::uint64_t slow_consumers = 0;       // closed for a full write queue
};

// The sync service, when the server carries it (irisd does): each shard runs a
// sync::SyncShard for the users it owns; requests on `u/<user>/sync` go to it, deltas go out
// on `u/<user>/deltas` and results on `u/<user>/responses` (docs/PROTOCOL.md).
struct SyncBinding {
  store::QueueStore& store;            // must outlive the server
  const sync::SyncOptions& options;    // must outlive the server
  // Optional history tier (sync::SyncShard::attach_history): inboxes are served from it plus
  // the queue tail, and `appended` (the history writer's notify) hears of every append.
  const store::HistoryStore* history = nullptr;  // must outlive the server
  std::function<void(core::UserId)> appended;
  // Optional: their metrics (storage and device cursor lag, trimmed counts, history write
  // latency) are shown on /metrics. Both must outlive the server.
  const sync::HistoryWriter* history_writer = nullptr;
  const sync::RetentionTrimmer* trimmer = nullptr;
  // Optional: builds each shard's own authorizer around that shard's thread membership
  // (answered from the inboxes of the users the shard owns, on its thread, without a lock
  // or a store read: net/sync_gateway.h). The shards' brokers then ask those instead of
  // the server-wide authorizer. Called once per shard, while the server is built.
  std::function<std::unique_ptr<mqtt::Authorizer>(const ThreadMembership&)> authorizer;
  // Optional: in a cell, every shard splits its appends by owner and hands the remote share
  // here (sync::SyncShard::attach_cell). Must outlive the server.
  sync::CellFanout* cell = nullptr;
  // Optional: contacts, blocks, folders (sync::SyncShard::attach_social); without it no
  // social policy applies. Must outlive the server.
  store::SocialStore* social = nullptr;
};

class TokenSigner;
class SmsVerifier;

// The HTTP(S) API (docs/PROTOCOL.md "HTTP API", NetOptions::http), when the server carries
// it: it needs the sync service too, and checks bearer tokens with `signer`.
struct HttpBinding {
  const TokenSigner& signer;  // must outlive the server
  // Attachments (POST /v1/blobs, GET /v1/blobs/{id}); null: those paths answer 404. Must
  // outlive the server.
  store::BlobService* blobs = nullptr;
  // Users verifying their SMS numbers (POST /v1/sms/numbers[/verify]); null: those paths
  // answer 404. Must outlive the server.
  SmsVerifier* sms_verifier = nullptr;
};

class MqttServer {
 public:
  // authenticator and authorizer are called from every shard thread at once, so they must
  // be thread-safe; they, net and mqtt must outlive the server. A SyncBinding with an
  // authorizer factory replaces `authorizer` with one per shard.
  MqttServer(const NetOptions& net, const mqtt::MqttOptions& mqtt,
             mqtt::Authenticator& authenticator, mqtt::Authorizer& authorizer,
             std::optional<SyncBinding> sync = std::nullopt,
             std::optional<HttpBinding> http = std::nullopt);
  ~MqttServer();
  MqttServer(const MqttServer&) = delete;
  MqttServer& operator=(const MqttServer&) = delete;

  // Binds every enabled listener and starts the shard threads. net::errc::listen_failed or
  // tls_setup_failed (after logging the details).
  // Cell routing (net/cell_routing.h): call before start(); without it every user is local.
  void set_cell_routing(CellRoutingOptions options);
  // From any thread: clients of users that now live on another server of the cell are told
  // to use it (DISCONNECT 0x9C under MQTT 5) and closed, at most
  // CellRoutingOptions::disconnect_rate per second. `reference`, when given, names a moved
  // user's new owner (its MQTT address, empty: unknown), sent to MQTT 5 clients as the
  // DISCONNECT's Server Reference.
  void disconnect_moved(const std::function<bool(std::string_view user)>& moved,
                        const std::function<std::string(std::string_view user)>& reference = {});
  // True while clients told to move by disconnect_moved are still being closed.
  bool disconnecting_moved() const;
  Result<BoundPorts> start();
  // Idempotent. Clients get DISCONNECT "server shutting down" (5.0) when they can take it
  // within about a second; then every socket is closed.
  void stop();

  // Summed over the shards: while running, each shard answers on its thread (this blocks
  // until all have); after stop(), the final counts.
  ServerMetrics metrics();

  // Runs work on the owner shard of a user (the sync service's ShardRouter), for the other
  // front doors of the sync service (mail over LMTP). Requires: built with a SyncBinding;
  // use only between start() and stop().
  sync::ShardRouter& owner_router();

 private:
  std::unique_ptr<detail::ServerCore> core_;
};

}  // namespace iris::net
