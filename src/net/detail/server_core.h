#pragma once
// ServerCore: what MqttServer owns (shards, their threads, listeners, the TLS context) and
// what the shards and connections reach through Shard::core(). Built and destroyed on the
// thread that calls MqttServer::start/stop; its shards outlive every connection.

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "net/cell_routing.h"
#include "net/detail/poll_target.h"
#include "net/detail/shard.h"
#include "net/mqtt_server.h"
#include "net/owner_router.h"
#include "net/poll_hub.h"
#include "net/preauth_budget.h"
#include "net/shared_group_registry.h"
#include "net/shared_retained_quota.h"
#include "sync/sync_shard.h"

namespace iris::net::detail {

class Listener;
class ServerCore;

// One connection's pre-auth slot (NetOptions::max_preauth_*): taken at accept, given back
// when the connection authenticates or, at the latest, when it is destroyed. Move-only; the
// connection carries it across shards; release() may run on any thread. The ServerCore that
// issued it must outlive it (connections die before the shards are joined).
class PreauthTicket {
 public:
  PreauthTicket() = default;
  PreauthTicket(ServerCore& core, const PreauthBudget::Source& source)
      : core_(&core), source_(source) {}
  PreauthTicket(PreauthTicket&& other) noexcept
      : core_(std::exchange(other.core_, nullptr)), source_(other.source_) {}
  PreauthTicket& operator=(PreauthTicket&& other) noexcept {
    if (this != &other) {
      release();
      core_ = std::exchange(other.core_, nullptr);
      source_ = other.source_;
    }
    return *this;
  }
  PreauthTicket(const PreauthTicket&) = delete;
  PreauthTicket& operator=(const PreauthTicket&) = delete;
  ~PreauthTicket() { release(); }

  // Gives the slot back; later calls do nothing.
  void release();
  bool held() const { return core_ != nullptr; }

 private:
  ServerCore* core_ = nullptr;
  PreauthBudget::Source source_{};
};

class ServerCore final : public sync::ShardRouter {
 public:
  ServerCore(const NetOptions& net, const mqtt::MqttOptions& mqtt,
             mqtt::Authenticator& authenticator, mqtt::Authorizer& authorizer,
             std::optional<SyncBinding> sync, std::optional<HttpBinding> http);
  ~ServerCore();

  Result<BoundPorts> start();
  void stop();
  ServerMetrics metrics();

  std::size_t shard_count() const { return shards_.size(); }
  // Who owns each user (any thread): the shard its connections, requests and appends meet on.
  const LocalOwnerRouter& owners() const { return owners_; }
  Shard& shard(std::size_t i) { return *shards_[i]; }
  // Round-robin choice of the shard that takes the next accepted connection.
  Shard& next_accept_shard();

  // Moves a routed TCP connection's socket to its owner shard: called on the I/O shard after
  // the socket was released; the owner re-registers the descriptor and feeds the bytes
  // already read to its broker. The connection keeps its pre-auth slot and connect deadline.
  void adopt_tcp(std::size_t owner, asio::ip::tcp protocol, int fd, mqtt::Bytes preread,
                 PreauthTicket preauth, mqtt::TimePoint connect_deadline);

  // Takes a pre-auth slot for a socket accepted from `peer` (any thread), or says which
  // limit refuses it.
  std::pair<PreauthBudget::Verdict, PreauthTicket> admit_preauth(const asio::ip::address& peer);
  // PreauthTicket::release (any thread).
  void release_preauth(const PreauthBudget::Source& source);
  // Pre-auth slots held now (any thread).
  std::size_t preauth_held();

  // sync::ShardRouter: runs `fn` on the shard that owns `user` (owners(): the one its
  // devices' connections are routed to).
  void to_owner(core::UserId user, std::function<void(sync::SyncShard&)> fn) override;
  void to_shard(std::uint32_t shard, std::function<void(sync::SyncShard&)> fn) override;

  // Where users live when this server is one of a cell; null without a cell. Set before start().
  void set_cell_routing(CellRoutingOptions options) { cell_ = std::move(options); }
  const CellRoutingOptions* cell_routing() const { return cell_.routing ? &cell_ : nullptr; }
  // From any thread: every shard closes its clients whose users `moved` says live elsewhere,
  // at most CellRoutingOptions::disconnect_rate per second in all.
  void disconnect_moved(const std::function<bool(std::string_view user)>& moved,
                        const mqtt::Broker::MovedReference& reference = {});
  // Shards whose disconnect pass has not ended yet (0: every moved client was told).
  std::atomic<std::size_t> moving{0};
  // Connections relayed to, and MQTT 5 clients redirected to, the owner of their user.
  std::atomic<std::uint64_t> relayed{0};
  std::atomic<std::uint64_t> redirected{0};

  // Every shard's broker admits retained messages against this one ledger.
  mqtt::RetainedQuota& retained_quota() { return retained_quota_; }
  // Every shard's broker chooses shared subscription members against this one directory.
  mqtt::SharedGroups& shared_groups() { return shared_groups_; }

  // Counts live connection objects (MQTT and HTTP) against NetOptions::max_connections.
  std::atomic<std::size_t> connections_open{0};
  std::atomic<std::uint64_t> connections_refused{0};
  // Sockets closed at accept because a pre-auth limit was reached (not in connections_refused).
  std::atomic<std::uint64_t> preauth_refused{0};
  // HTTP requests waiting for a shard (HttpOptions::max_pending), answered, and answered
  // with an error status.
  std::atomic<std::size_t> http_pending{0};
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> http_errors{0};
  // In a cell: HTTP requests of other servers' users proxied to their owner (in flight now,
  // against cluster.http_proxy_max_concurrent, and in total) and answered 307.
  std::atomic<std::size_t> http_proxied_in_flight{0};
  std::atomic<std::uint64_t> http_proxied{0};
  std::atomic<std::uint64_t> http_redirected{0};

  // The store the sync service writes to (null without one): health and commit latency.
  const store::QueueStore* store() const { return store_; }
  // Null unless the server carries the HTTP API.
  const TokenSigner* signer() const { return signer_; }
  const sync::SyncOptions* sync_options() const { return sync_options_; }
  // The long-poll hub of the shard that owns `user`: use it only on that shard's thread
  // (inside to_owner's work). Requires: the server carries the sync service.
  PollHub& poll_hub_of(core::UserId user);
  // Poll devices across every shard's hub (HttpOptions::poll.max_total).
  std::atomic<std::size_t> poll_devices{0};
  // The WebSocket port as bound (0 until start(), or without one): the web app's config.
  std::atomic<std::uint16_t> ws_port{0};
  // Null unless the HTTP API serves attachments.
  store::BlobService* blobs() const { return blobs_; }
  // Null unless users may verify SMS numbers (POST /v1/sms/numbers).
  SmsVerifier* sms_verifier() const { return sms_verifier_; }
  // The history tier's writer and trimmer, for /metrics (null when the server has none).
  const sync::HistoryWriter* history_writer() const { return history_writer_; }
  const sync::RetentionTrimmer* trimmer() const { return trimmer_; }

 private:
  const NetOptions& net_;
  const mqtt::MqttOptions& mqtt_;
  const LocalOwnerRouter owners_;
  SharedRetainedQuota retained_quota_;  // declared before shards_: their brokers use it
  // Accepts take slots on shard 0's thread; connections return them on theirs. Declared
  // before shards_: connections (and accepts still queued) that die with them release slots.
  std::mutex preauth_mutex_;
  PreauthBudget preauth_;  // GUARDED_BY(preauth_mutex_)
  SharedGroupRegistry shared_groups_;   // declared before shards_: their brokers use it
  const store::QueueStore* store_ = nullptr;          // must outlive the server (SyncBinding)
  const TokenSigner* signer_ = nullptr;               // must outlive the server (HttpBinding)
  store::BlobService* blobs_ = nullptr;               // must outlive the server (HttpBinding)
  SmsVerifier* sms_verifier_ = nullptr;               // must outlive the server (HttpBinding)
  const sync::SyncOptions* sync_options_ = nullptr;   // must outlive the server (SyncBinding)
  const sync::HistoryWriter* history_writer_ = nullptr;  // must outlive the server (SyncBinding)
  const sync::RetentionTrimmer* trimmer_ = nullptr;      // must outlive the server (SyncBinding)
  // Destroyed after the shards, whose sync services push into them.
  std::vector<std::unique_ptr<PollHub>> poll_hubs_;
  std::vector<std::unique_ptr<SyncPollTarget>> poll_targets_;
  // Destroyed after the shards: TLS streams still queued in a shard's io_context use it.
  std::unique_ptr<asio::ssl::context> tls_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::thread> threads_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::atomic<std::size_t> next_accept_{0};
  CellRoutingOptions cell_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace iris::net::detail
